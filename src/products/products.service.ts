import { Injectable } from '@nestjs/common';
import { EntityManager, LockMode, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { isoTimestamp } from './timestamps';
import { NotFoundError } from '../common/errors';
import type {
  CreateProductDto,
  ProductDto,
  ProductPageDto,
  UpdateProductDto,
} from './dto/product.dto';
import { Product } from './product.entity';
import { DuplicateSkuError } from './products.errors';

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
export class ProductsService {
  constructor(private readonly em: EntityManager) {}

  /**
   * A page of the catalogue, read as plain rows rather than entities: a listing changes nothing,
   * and hydrating entities costs this hot route dearly (bench/NOTES.md). Writes still all go
   * through the entity and its version.
   */
  async list(limit: number, offset: number): Promise<ProductPageDto> {
    const connection = this.em.getConnection();
    const [items, [{ total }]] = await Promise.all([
      connection.execute<ProductDto[]>(
        `select id, sku, name, description, price_cents as "priceCents", currency, stock, version,
                ${isoTimestamp('sale_starts_at')} as "saleStartsAt",
                ${isoTimestamp('sale_ends_at')} as "saleEndsAt",
                max_per_customer as "maxPerCustomer",
                compare_at_price_cents as "compareAtPriceCents", image_url as "imageUrl"
           from products order by name, id limit ? offset ?`,
        [limit, offset],
      ),
      connection.execute<{ total: string }[]>('select count(*) as total from products'),
    ]);
    return { items, serverTime: new Date(), total: Number(total), limit, offset };
  }

  async get(id: string): Promise<ProductDto> {
    const product = await this.em.fork().findOne(Product, id);
    if (!product) throw new NotFoundError('Product', id);
    return toProductDto(product);
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
    return toProductDto(product);
  }
}
