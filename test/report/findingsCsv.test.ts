import { describe, expect, it } from 'vitest';
import { csvField, findingsCsv } from '../../src/report/findingsCsv.js';
import { finding, reason, scan } from '../slack/factories.js';

describe('findings as CSV', () => {
  it('quotes commas, quotes and line breaks as RFC 4180 does', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(undefined)).toBe('');
    expect(csvField(3)).toBe('3');
  });

  it('keeps a spreadsheet from running a name as a formula', () => {
    expect(csvField('=HYPERLINK("https://x","y")')).toBe('"\'=HYPERLINK(""https://x"",""y"")"');
    for (const lead of ['+', '-', '@', '\t']) expect(csvField(`${lead}1`)).toBe(`'${lead}1`);
  });

  it('has a header and one row per transform, with its reasons and controls', () => {
    const csv = findingsCsv(scan([finding('orders-match', [reason('USER_DATA_NOT_ENCRYPTED')]), finding('vendor, match')]));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('account_id,region,transform_id,name,status,severity,reason_codes,reasons,controls,kms_key,security_configuration,label_count');
    expect(lines).toHaveLength(4); // header, two rows, the final line end
    expect(lines[1]).toContain(',orders-match,FAIL,');
    expect(lines[1]).toContain('USER_DATA_NOT_ENCRYPTED');
    expect(lines[2]).toContain(',"vendor, match",PASS,');
  });
});
