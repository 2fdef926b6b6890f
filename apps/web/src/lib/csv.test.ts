import { describe, expect, it } from 'vitest';
import { parseCsv, toCsv, type CsvColumn } from './csv.ts';
import { usageColumns, type DailyUsageRow } from './usage-rows.ts';

function day(date: string, totalCost: string, extra: Partial<DailyUsageRow> = {}): DailyUsageRow {
  return {
    date,
    cpuHours: '10.5000',
    gpuHours: '0.0000',
    ramGbHours: '80.2500',
    onlineStorageGb: '12.0000',
    offlineStorageGb: '300.1234',
    networkEgressGb: '2.0000',
    cpuCost: '1.3125',
    gpuCost: '0.0000',
    ramCost: '1.0031',
    storageCost: '0.5000',
    networkCost: '0.2000',
    totalCost,
    ...extra,
  };
}

describe('toCsv', () => {
  it('writes a header and one line per row, with the cells the table shows', () => {
    const csv = toCsv(usageColumns, [day('2026-01-02', '3.0156'), day('2026-01-01', '1234.5')]);
    expect(csv).toBe(
      [
        'Day (UTC),CPU h,GPU h,RAM GB·h,Online GB,Offline GB,Egress GB,CPU cost,GPU cost,RAM cost,Storage cost,Network cost,Total cost',
        '2 Jan 2026,10.5,0,80.25,12,300.1234,2,$1.31,$0.00,$1.00,$0.50,$0.20,$3.02',
        '1 Jan 2026,10.5,0,80.25,12,300.1234,2,$1.31,$0.00,$1.00,$0.50,$0.20,"$1,234.50"',
        '',
      ].join('\r\n'),
    );
  });

  it('keeps the rows in the order given (the table’s order)', () => {
    const rows = [day('2026-01-03', '1'), day('2026-01-01', '2'), day('2026-01-02', '3')];
    const dates = parseCsv(toCsv(usageColumns, rows))
      .slice(1)
      .map((line) => line[0]);
    expect(dates).toEqual(['3 Jan 2026', '1 Jan 2026', '2 Jan 2026']);
  });

  it('quotes commas, quotes and line breaks so every cell survives a round trip', () => {
    const columns: CsvColumn<string[]>[] = [
      { header: 'a', text: (r) => r[0]! },
      { header: 'b "quoted"', text: (r) => r[1]! },
    ];
    const rows = [
      ['plain', 'with, comma'],
      ['say "hi"', 'two\nlines'],
      ['', 'x'],
    ];
    const csv = toCsv(columns, rows);
    expect(csv.split('\r\n')[0]).toBe('a,"b ""quoted"""');
    expect(parseCsv(csv)).toEqual([['a', 'b "quoted"'], ...rows]);
  });

  it('writes only the header when there are no rows', () => {
    expect(parseCsv(toCsv(usageColumns, []))).toEqual([usageColumns.map((c) => c.header)]);
  });
});
