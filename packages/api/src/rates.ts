// The rate card (SPEC §3.4) as the API sees it. It lives in @hops/db so that the seed prices its
// demo data with the very same card; this module is the API's one door to it.
export {
  RATE_CARDS,
  USD_PER_CREDIT,
  NoRateCardError,
  daysInMonth,
  priceUsage,
  rateCardFor,
  type Costs,
  type Quantities,
  type RateCard,
} from '@hops/db';
