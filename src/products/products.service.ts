import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { NotFoundError } from '../common/errors';
import {
  CATALOGUE_ORDER,
  CatalogueSnapshot,
  type CataloguePage,
  cataloguePage,
  PRODUCT_ROW_SQL,
  productEtag,
  type ProductRow,
} from './catalogue-snapshot';
import type { CreateProductDto, ProductDto, UpdateProductDto } from './dto/product.dto';
import { Product } from './product.entity';
import { DuplicateSkuError } from './products.errors';
import { StockEventsService } from './stock-events.service';

/** One product as the API shows it, serialised, with its ETag. */
export interface ProductRepresentation {
  body: Buffer;
  etag: string;
}

export const toProductDto = (p: Product): ProductDto => ({
  id: p.id,
  sku: p.sku,
  name: p.name,
  description: p.description,
  priceCents: p.priceCents,
  currency: p.currency,
  stock: p.stock,
  version: p.version,
  saleStartsAt: p.saleStartsAt,
  saleEndsAt: p.saleEndsAt,
  maxPerCustomer: p.maxPerCustomer,
  compareAtPriceCents: p.compareAtPriceCents,
  imageUrl: p.imageUrl,
});

type WithDates<T> = Omit<T, 'saleStartsAt' | 'saleEndsAt'> & {
  saleStartsAt?: Date | null;
  saleEndsAt?: Date | null;
};

/** The fields given, as the entity holds them: timestamps become dates; omitted ones are left out. */
function productFields<T extends { saleStartsAt?: string | null; saleEndsAt?: string | null }>(
  input: T,
): WithDates<T> {
  const toDate = (value: string | null | undefined) => (value ? new Date(value) : value);
  const fields = {
    ...input,
    saleStartsAt: toDate(input.saleStartsAt),
    saleEndsAt: toDate(input.saleEndsAt),
  };
  // Fields the client left out are present as `undefined` on the DTO instance (class fields
  // are defined properties); em.assign refuses undefined for non-nullable columns.
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  ) as WithDates<T>;
}

@Injectable()
export class ProductsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly snapshot: CatalogueSnapshot;

  constructor(
    private readonly em: EntityManager,
    stockEvents: StockEventsService,
  ) {
    this.snapshot = new CatalogueSnapshot(em, stockEvents);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.snapshot.start();
  }

  onModuleDestroy(): void {
    this.snapshot.stop();
  }

  /**
   * A page of the catalogue, serialised but for its `serverTime`: from the in-memory snapshot
   * while it is trusted (no database per view), else read from the database as plain rows, the
   * same SQL and the same bytes.
   */
  async list(limit: number, offset: number): Promise<CataloguePage> {
    const cached = this.snapshot.page(limit, offset);
    if (cached) return cached;
    const connection = this.em.getConnection();
    const [items, [{ total }]] = await Promise.all([
      connection.execute<ProductRow[]>(`${PRODUCT_ROW_SQL} ${CATALOGUE_ORDER} limit ? offset ?`, [
        limit,
        offset,
      ]),
      connection.execute<{ total: string }[]>('select count(*) as total from products'),
    ]);
    const count = Number(total);
    return cataloguePage(
      items.map((item) => JSON.stringify(item)),
      count,
      limit,
      offset,
    );
  }

  /** One product, from the snapshot while it is trusted, else from the database. */
  async get(id: string): Promise<ProductRepresentation> {
    const cached = this.snapshot.product(id);
    if (cached) return cached;
    if (cached === undefined) {
      const [row] = await this.em
        .getConnection()
        .execute<ProductRow[]>(`${PRODUCT_ROW_SQL} where id = ?`, [id]);
      if (row) {
        const json = JSON.stringify(row);
        return { body: Buffer.from(json), etag: productEtag(json) };
      }
    }
    throw new NotFoundError('Product', id);
  }

  async create(input: CreateProductDto): Promise<ProductDto> {
    const em = this.em.fork();
    const product = new Product(productFields(input));
    try {
      await em.persist(product).flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        throw new DuplicateSkuError(input.sku);
      }
      throw error;
    }
    await this.snapshot.refresh([product.id]);
    return toProductDto(product);
  }

  /** Applies an edit made on `version`; a stale version throws OptimisticLockError (409). */
  async update(id: string, { version, ...changes }: UpdateProductDto): Promise<ProductDto> {
    const em = this.em.fork();
    const product = await em.findOne(Product, id);
    if (!product) throw new NotFoundError('Product', id);
    await em.lock(product, LockMode.OPTIMISTIC, version);
    em.assign(product, productFields(changes));
    product.assertConsistent();
    await em.flush();
    // This instance's next read shows the edit, without waiting for its notification.
    await this.snapshot.refresh([product.id]);
    return toProductDto(product);
  }
}
