import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';

/** A history row's stored series description (studies only), by the row's id. */
export interface StoredDescription {
  id: string;
  seriesDescription: string;
}

/** One description to write: `to` where the row still holds `from` (null clears it). */
export interface DescriptionChange {
  id: string;
  from: string;
  to: string | null;
}

/**
 * The Analysis table's series descriptions, for re-applying the scrub's rules to rows stored under
 * older ones (src/studies/rescrub-descriptions.ts). Plain delegate calls, keyed on the id: the same
 * statements on SQLite and PostgreSQL.
 */
@Injectable()
export class StoredDescriptionRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Up to `take` rows with a description, in id order, after `afterId` (from the first when null). */
  async after(afterId: string | null, take: number): Promise<StoredDescription[]> {
    const rows = await this.prisma.analysis.findMany({
      where: { seriesDescription: { not: null }, ...(afterId === null ? {} : { id: { gt: afterId } }) },
      orderBy: { id: 'asc' },
      take,
      select: { id: true, seriesDescription: true },
    });
    return rows.flatMap((r) => (r.seriesDescription === null ? [] : [{ id: r.id, seriesDescription: r.seriesDescription }]));
  }

  /**
   * The changes written in one transaction; how many rows took theirs. A row whose description is
   * no longer `from` (deleted, or written meanwhile) is left alone rather than overwritten.
   */
  async replace(changes: DescriptionChange[]): Promise<number> {
    if (!changes.length) return 0;
    return this.prisma.transaction(async (tx) => {
      let n = 0;
      for (const c of changes) {
        n += (await tx.analysis.updateMany({ where: { id: c.id, seriesDescription: c.from }, data: { seriesDescription: c.to } })).count;
      }
      return n;
    });
  }
}
