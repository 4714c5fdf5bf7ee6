/** Prepared statements per connection at most: each costs the server a plan in every backend that prepared it. */
const MAX_NAMED = 200;

/**
 * Names for the statement texts of the read path, so that each is prepared once per connection and planned from then
 * on without being parsed again. A name is never given to another text (connections keep what they prepared); past
 * MAX_NAMED texts, new ones run as the unnamed statement, parsed each time, so a client sending ever new documents
 * cannot fill the server's memory with prepared statements.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();

  nameOf(text: string): string {
    const known = this.names.get(text);
    if (known !== undefined) return known;
    if (this.names.size >= MAX_NAMED) return '';
    const name = `promox_read_${this.names.size + 1}`;
    this.names.set(text, name);
    return name;
  }
}
