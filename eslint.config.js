export { default } from '@hops/config/eslint';
