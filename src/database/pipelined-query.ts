import pg from 'pg';

/**
 * Several statements in one network round trip over node-postgres, as extended-protocol messages: Parse (once per
 * connection for a named statement), Bind and Execute for each, then a single Sync. Before the Sync PostgreSQL runs
 * them in one implicit transaction, so a `set_config(..., true)` in one statement holds for the next ones, and bound
 * parameters replace inlined literals. The answer of the last statement comes back as the raw text PostgreSQL sent,
 * unparsed, for handlers that write it to a response as it is.
 */
export interface PipelinedStatement {
  /** Prepared once per connection under this name; '' for the unnamed statement (parsed every time). */
  name: string;
  text: string;
  values: readonly unknown[];
}

/** The parts of pg's Connection (lib/connection.js) this drives; not in @types/pg. */
interface WireConnection {
  /** Named statements PostgreSQL has confirmed (ParseComplete), by name: their text. pg's own bookkeeping. */
  parsedStatements: Record<string, string | undefined>;
  /** Named statements whose Parse was sent and not yet confirmed. */
  submittedNamedStatements: Record<string, string | undefined>;
  stream: { cork?: () => void; uncork?: () => void };
  parse(config: { name: string; text: string; types: number[] }): void;
  bind(config: { statement: string; portal: string; values: unknown[] }): void;
  execute(config: { portal: string; rows: number }): void;
  sync(): void;
  sendCopyFail(message: string): void;
  on(event: 'parseComplete', listener: () => void): void;
  once(event: 'readyForQuery' | 'end', listener: () => void): void;
  removeListener(event: 'readyForQuery' | 'end', listener: () => void): void;
}

interface DataRowMessage {
  fields: (string | null)[];
}

const prepareValue = (pg as unknown as { utils: { prepareValue: (value: unknown) => unknown } }).utils.prepareValue;

/** The pipeline each connection is running, for its ParseComplete listener (installed once per connection). */
const running = new WeakMap<WireConnection, PipelinedQuery>();
const listening = new WeakSet<WireConnection>();

function listenForParses(connection: WireConnection): void {
  if (listening.has(connection)) return;
  listening.add(connection);
  connection.on('parseComplete', () => running.get(connection)?.parseComplete(connection));
}

/** A pg "Submittable": pg hands it the connection when the client is free and feeds it the backend's messages. */
class PipelinedQuery {
  readonly done: Promise<string | null>;
  private resolve!: (text: string | null) => void;
  private reject!: (error: Error) => void;
  /** Names of the Parses sent, in order; '' for unnamed ones. ParseComplete answers them in this order. */
  private readonly pendingParses: string[] = [];
  /** Statements answered so far (CommandComplete or EmptyQueryResponse). */
  private completed = 0;
  private text: string | null = null;
  private sawRow = false;
  private settled = false;

  constructor(private readonly statements: readonly PipelinedStatement[]) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: WireConnection): Error | null {
    const values: unknown[][] = [];
    const texts = new Map<string, string>();
    try {
      for (const statement of this.statements) {
        if (statement.name) {
          const known = connection.parsedStatements[statement.name] ?? connection.submittedNamedStatements[statement.name] ?? texts.get(statement.name);
          if (known !== undefined && known !== statement.text) {
            return new Error(`Prepared statements must be unique - '${statement.name}' was used for a different statement`);
          }
          texts.set(statement.name, statement.text);
        }
        // Mapped before anything is written, so that a value pg cannot send leaves the connection untouched.
        values.push(statement.values.map((value) => prepareValue(value)));
      }
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
    listenForParses(connection);
    running.set(connection, this);
    const parsing = new Set<string>();
    // Corked so that the whole pipeline leaves in as few packets as the socket allows.
    connection.stream.cork?.();
    try {
      this.statements.forEach((statement, index) => {
        const { name, text } = statement;
        const prepared = name !== '' && (connection.parsedStatements[name] !== undefined || connection.submittedNamedStatements[name] !== undefined);
        if (!prepared && !parsing.has(name)) {
          connection.parse({ name, text, types: [] });
          this.pendingParses.push(name);
          if (name) {
            parsing.add(name);
            connection.submittedNamedStatements[name] = text;
          }
        }
        // No Describe: the rows come in text format without a RowDescription, and only their text is wanted.
        connection.bind({ statement: name, portal: '', values: values[index] });
        connection.execute({ portal: '', rows: 0 });
      });
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    return null;
  }

  parseComplete(connection: WireConnection): void {
    const name = this.pendingParses.shift();
    if (!name) return;
    connection.parsedStatements[name] = connection.submittedNamedStatements[name];
    Reflect.deleteProperty(connection.submittedNamedStatements, name);
  }

  handleRowDescription(): void {
    // Not sent (no Describe); nothing to do if it were.
  }

  handleDataRow(message: DataRowMessage): void {
    if (this.completed === this.statements.length - 1 && !this.sawRow) {
      this.sawRow = true;
      this.text = message.fields[0] ?? null;
    }
  }

  handleCommandComplete(): void {
    this.completed += 1;
  }

  handleEmptyQuery(): void {
    this.completed += 1;
  }

  handlePortalSuspended(): void {
    // Execute asks for every row, so a portal is never suspended.
  }

  handleCopyInResponse(connection: WireConnection): void {
    connection.sendCopyFail('No source stream defined');
  }

  handleCopyData(): void {
    // A COPY TO is read to its end and ignored.
  }

  handleReadyForQuery(connection: WireConnection): void {
    this.finish(connection);
    this.settle(null);
  }

  /**
   * pg calls this for an ErrorResponse (before ReadyForQuery, having already let go of this query), for a value or
   * statement refused in submit, and when the connection dies. Only after a backend error does a ReadyForQuery follow;
   * the promise waits for it, so that the connection is idle again when the caller sees the error.
   */
  handleError(error: Error, connection: WireConnection): void {
    // No ParseComplete follows an error: the Parses still pending are forgotten now, before pg, at ReadyForQuery,
    // hands the connection to a query that may name one of them.
    this.finish(connection);
    if (!(error instanceof pg.DatabaseError)) {
      this.settle(error);
      return;
    }
    const ready = () => {
      connection.removeListener('end', ready);
      connection.removeListener('readyForQuery', ready);
      this.settle(error);
    };
    connection.once('readyForQuery', ready);
    connection.once('end', ready);
  }

  /** Forgets the Parses PostgreSQL did not confirm (failed, or skipped after an error): they must be sent again. */
  private finish(connection: WireConnection): void {
    for (const name of this.pendingParses) if (name) Reflect.deleteProperty(connection.submittedNamedStatements, name);
    this.pendingParses.length = 0;
    if (running.get(connection) === this) running.delete(connection);
  }

  private settle(error: Error | null): void {
    if (this.settled) return;
    this.settled = true;
    if (error) this.reject(error);
    else this.resolve(this.text);
  }
}

/**
 * Runs `statements` in one round trip on `client` and returns the first column of the first row of the last one as
 * PostgreSQL's text (null without a row, or for SQL NULL). A failing statement rejects with pg's DatabaseError once
 * the connection is ready again; the statements before it are rolled back with the implicit transaction.
 */
export function queryRawText(client: pg.ClientBase, statements: readonly PipelinedStatement[]): Promise<string | null> {
  if (statements.length === 0) return Promise.resolve(null);
  const query = new PipelinedQuery(statements);
  client.query(query as unknown as pg.Submittable);
  return query.done;
}
