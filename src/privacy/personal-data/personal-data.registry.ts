import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import {
  DeclaresPersonalData,
  type LegalHoldTable,
  type PersonalDataDeclaration,
  type PersonalDataSource,
  type PersonalDataTable,
  type RetentionPolicy,
} from '../../common/privacy/personal-data.js';

/**
 * Every module's personal-data declaration, collected at start from the providers marked @DeclaresPersonalData().
 * Erasure (and exports, later) walk this registry, so a table is covered by the rights as soon as its module declares
 * it; the personal-data coverage test fails for a personal-looking column that nobody declared.
 */
@Injectable()
export class PersonalDataRegistry implements OnModuleInit {
  private declarations: PersonalDataDeclaration[] = [];

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const sources = this.discovery
      .getProviders({ metadataKey: DeclaresPersonalData.KEY })
      .map((wrapper) => wrapper.instance as PersonalDataSource | undefined)
      .filter((instance): instance is PersonalDataSource => typeof instance?.personalData === 'function');
    this.declarations = sources.map((source) => source.personalData());
    const seen = new Map<string, string>();
    for (const declaration of this.declarations) {
      for (const table of declaration.tables) {
        const other = seen.get(table.table);
        // A table has one owner: two declarations of it would give two answers to "what does erasure do here".
        if (other) throw new Error(`Table ${table.table} is declared as personal data by both ${other} and ${declaration.module}.`);
        seen.set(table.table, declaration.module);
        const declared = new Set(table.columns.map((c) => c.column));
        if (declared.size !== table.columns.length) throw new Error(`${declaration.module} declares a column of ${table.table} twice.`);
        if (table.onErasure !== 'DELETE_ROW' && !table.reason) {
          throw new Error(`${declaration.module} must say why ${table.table} is not deleted on erasure.`);
        }
        if (table.links.some((link) => link.onErasure && link.onErasure !== table.onErasure) && !table.reason) {
          throw new Error(`${declaration.module} must say why links of ${table.table} are erased differently.`);
        }
        const freeText = new Set((table.freeText ?? []).map((c) => c.column));
        if (freeText.size !== (table.freeText ?? []).length) throw new Error(`${declaration.module} declares a free-text column of ${table.table} twice.`);
        // Identifiers are read from the subject's own row; on any other table the declaration would find nothing.
        if (table.columns.some((c) => c.identifies) && !table.links.some((link) => link.column === 'id')) {
          throw new Error(`${declaration.module} declares identifiers on ${table.table}, which is not a subject's own table.`);
        }
      }
      for (const hold of declaration.legalHold ?? []) {
        const freeText = new Set((declaration.tables.find((t) => t.table === hold.table)?.freeText ?? []).map((c) => c.column));
        // What the purge blanks is free text that erasure otherwise rewrites: one declaration of it, not two that drift.
        const undeclared = (hold.blankOnPurge ?? []).filter((column) => !freeText.has(column));
        if (undeclared.length > 0)
          throw new Error(`${declaration.module} blanks ${hold.table}.${undeclared.join(', ')} on purge without declaring it as free text.`);
      }
    }
  }

  all(): readonly PersonalDataDeclaration[] {
    return this.declarations;
  }

  tables(): readonly (PersonalDataTable & { module: string })[] {
    return this.declarations.flatMap((d) => d.tables.map((table) => ({ ...table, module: d.module })));
  }

  table(name: string): (PersonalDataTable & { module: string }) | undefined {
    return this.tables().find((t) => t.table === name);
  }

  /** Every module's retention policies, in declaration order. */
  retentionPolicies(): readonly RetentionPolicy[] {
    return this.declarations.flatMap((d) => d.retention ?? []);
  }

  /** The tables a tenant's purge keeps until its legal hold ends. */
  legalHoldTables(): readonly (LegalHoldTable & { module: string })[] {
    return this.declarations.flatMap((d) => (d.legalHold ?? []).map((hold) => ({ ...hold, module: d.module })));
  }
}
