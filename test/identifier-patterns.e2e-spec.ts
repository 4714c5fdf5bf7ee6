import { ERASED_MARKER, identifierPatterns, type SubjectIdentifiers } from '../src/privacy/erasure/identifier-patterns';
import { privilegedQuery } from './support/database';

/** The text after every pattern is applied in order, by the run's database (PostgreSQL or PGlite), as erasure does. */
async function erased(identifiers: Partial<SubjectIdentifiers>, texts: string[]): Promise<string[]> {
  const patterns = identifierPatterns({ names: [], emails: [], phones: [], ...identifiers });
  const expression = patterns.reduce((sql, _pattern, i) => `regexp_replace(${sql}, $${i + 2}, '${ERASED_MARKER}', 'g')`, 't');
  const rows = await privilegedQuery<{ t: string }>(`select ${expression} as t from unnest($1::text[]) with ordinality as x(t, n) order by n`, [
    texts,
    ...patterns,
  ]);
  return rows.map((row) => row.t);
}

describe("finding a subject's identifiers in free text", () => {
  it('finds an email address in any case, and not inside a longer address', async () => {
    expect(
      await erased({ emails: ['zq.tag@erase.example'] }, [
        'Write to ZQ.Tag@Erase.Example today.',
        '<zq.tag@erase.example>, cc boss@erase.example',
        'xzq.tag@erase.example',
        'zq.tag@erase.example.com',
      ]),
    ).toEqual(['Write to [erased] today.', '<[erased]>, cc boss@erase.example', 'xzq.tag@erase.example', 'zq.tag@erase.example.com']);
  });

  it('finds a phone number with any separators, with or without its country code or trunk prefix', async () => {
    const written = [
      '+44 20 7946 0123',
      '+442079460123',
      '0044 20 7946 0123',
      '44-20-7946-0123',
      '+44 (0)20 7946 0123',
      '(020) 7946-0123',
      '020.7946.0123',
      '2079460123',
    ];
    expect(
      await erased(
        { phones: ['+44 20 7946 0123'] },
        written.map((phone) => `Call ${phone} after 5.`),
      ),
    ).toEqual(written.map(() => 'Call [erased] after 5.'));
    // A longer number, or the same digits inside one, is someone else's.
    const others = ['020 7946 01234', '1020 7946 0123', 'Order 9912079460123'];
    expect(await erased({ phones: ['+44 20 7946 0123'] }, others)).toEqual(others);
    // Stored without a country code: found as stored, in national form, and after any country code.
    expect(await erased({ phones: ['020 7946 0958'] }, ['ring 02079460958', 'ring +44 20 7946 0958', 'ring 7946 0958'])).toEqual([
      'ring [erased]',
      'ring [erased]',
      'ring 7946 0958',
    ]);
  });

  it('finds the full name first, then each given name and surname, whatever the case, as whole words only', async () => {
    expect(
      await erased({ names: ['Zoë Ångström', 'Zoë', 'Ångström'] }, [
        'ZOË ÅNGSTRÖM approved the proof; zoë wants 200 more.',
        'Ms Ångström, not Zoëlle or Ångströms.',
        'Zoë\nÅngström',
      ]),
    ).toEqual(['[erased] approved the proof; [erased] wants 200 more.', 'Ms [erased], not Zoëlle or Ångströms.', '[erased]']);
  });

  it('leaves the lower-case particles of a name alone unless the whole name is written', async () => {
    expect(await erased({ names: ['María de la Cruz'] }, ['María de la Cruz llamó: envío de la tienda, Sra. Cruz.', "O'Brien"])).toEqual([
      '[erased] llamó: envío de la tienda, Sra. [erased].',
      "O'Brien",
    ]);
    expect(await erased({ names: ["Seán O'Brien"] }, ["Seán O’Brien called; O'BRIEN again"])).toEqual(['[erased] called; [erased] again']);
  });

  it('finds nothing for no identifiers, and treats regular-expression characters in them as text', async () => {
    expect(identifierPatterns({ names: [], emails: [], phones: [] })).toEqual([]);
    expect(await erased({ names: ['A.J. (Jo) Smith+'], emails: ['a+b@x.example'] }, ['A.J. (Jo) Smith+ wrote from a+b@x.example', 'AxJx Smith'])).toEqual([
      '[erased] wrote from [erased]',
      'AxJx [erased]',
    ]);
  });
});
