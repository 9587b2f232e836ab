import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { AppConfig } from '../common/config';
import { Coalescer, type Outcome } from '../common/coalescer';
import { anyOf, recordsOf } from '../common/database/list-parameters';
import { DomainError, NotFoundError, ValidationFailedError } from '../common/errors';
import { Product } from '../products/product.entity';
import { currencyMismatch } from '../orders/order.errors';
import { type ProductOnSale, readProductsOnSale } from '../products/product-sale';
import { Cart, CartItem, CartStatus } from './cart.entity';
import { CartCheckedOutError } from './cart.errors';
import { type CartDto, type CartLineInput, MAX_CART_LINES } from './dto/cart.dto';

/** What a cart line shows of its product. */
type LineProduct = Omit<ProductOnSale, 'version'>;

function cartDto(
  cart: { id: string; version: number; status: CartStatus },
  lines: { product: LineProduct; quantity: number }[],
): CartDto {
  const items = lines.map(({ product, quantity }) => ({
    productId: product.id,
    name: product.name,
    priceCents: product.priceCents,
    quantity,
    available: product.stock,
    lineTotalCents: product.priceCents * quantity,
    maxPerCustomer: product.maxPerCustomer,
    saleStartsAt: product.saleStartsAt,
    saleEndsAt: product.saleEndsAt,
  }));
  return {
    id: cart.id,
    version: cart.version,
    status: cart.status,
    items,
    subtotalCents: items.reduce((sum, line) => sum + line.lineTotalCents, 0),
    currency: lines[0]?.product.currency ?? null,
  };
}

/** The cart's lines with the products they show, read by `productsOf`. */
const toCartDto = (cart: Cart, products: Map<string, LineProduct>): CartDto =>
  cartDto(
    cart,
    cart.items
      .getItems()
      .map((item) => ({ product: products.get(item.product.id)!, quantity: item.quantity })),
  );

/** New carts created in one transaction at most. */
const MAX_CARTS_PER_BATCH = 500;

/** How often abandoned carts are looked for, and how many one statement deletes at most. */
const SWEEP_INTERVAL_MS = 10 * 60 * 1000;
const SWEEP_BATCH = 1_000;

@Injectable()
export class CartService implements OnModuleInit, OnModuleDestroy {
  private sweeper?: NodeJS.Timeout;
  private readonly retentionHours: number;
  /**
   * New carts are written in batches, like purchases: a sale's shoppers fill carts by the
   * thousand, and one transaction with multi-row inserts costs far less than one per cart.
   */
  private readonly creations: Coalescer<CartLineInput[], CartDto>;

  constructor(
    private readonly em: EntityManager,
    config: AppConfig,
  ) {
    this.retentionHours = config.CART_RETENTION_HOURS;
    this.creations = new Coalescer((batch) => this.createBatch(batch), {
      maxBatch: MAX_CARTS_PER_BATCH,
      maxInFlight: config.BATCHES_IN_FLIGHT,
      queueLimit: config.BATCH_QUEUE_LIMIT,
      answersPerTurn: 8,
    });
  }

  create(lines: CartLineInput[]): Promise<CartDto> {
    return this.creations.submit(lines);
  }

  /**
   * Each cart is created or refused on its own (a missing product, mixed currencies). The
   * products are read as plain rows, and the carts and their lines written by one statement:
   * a new cart has nothing to lock, and one statement is atomic without a transaction.
   */
  private async createBatch(batch: CartLineInput[][]): Promise<Outcome<CartDto>[]> {
    const db = this.em.getKysely();
    const ids = [...new Set(batch.flat().map((line) => line.productId))];
    const products = new Map<string, LineProduct>(
      (await readProductsOnSale(db, ids)).map((product) => [product.id, product]),
    );
    const outcomes = batch.map((lines): CartDto | DomainError => {
      const missing = lines.find((line) => !products.has(line.productId));
      if (missing) return new NotFoundError('Product', missing.productId);
      const cartLines = lines.map(({ productId, quantity }) => ({
        product: products.get(productId)!,
        quantity,
      }));
      const mismatch = currencyMismatch(cartLines.map((line) => line.product));
      if (mismatch) return mismatch;
      return cartDto({ id: randomUUID(), version: 1, status: CartStatus.Open }, cartLines);
    });
    const carts = outcomes.filter(
      (outcome): outcome is CartDto => !(outcome instanceof DomainError),
    );
    if (carts.length > 0) {
      // Lines keep the order given: `added_at` orders a cart's lines, one microsecond apart.
      const lines = carts.flatMap((cart) =>
        cart.items.map((item, position) => ({
          cart: cart.id,
          product: item.productId,
          quantity: item.quantity,
          position,
        })),
      );
      const ids = anyOf(
        carts.map((cart) => cart.id),
        'uuid',
      );
      await sql`
        with new_carts as (insert into carts (id) select unnest(${ids}))
        insert into cart_items (cart_id, product_id, quantity, added_at)
        select cart, product, quantity, now() + position * interval '1 microsecond'
          from ${recordsOf(lines)} as t(cart uuid, product uuid, quantity int, position int)`.execute(
        db,
      );
    }
    return outcomes;
  }

  async get(id: string): Promise<CartDto> {
    const em = this.em.fork();
    const cart = await this.load(em, id);
    return toCartDto(cart, await this.productsOf(em, cart));
  }

  /** Sets one line's quantity (0 removes it) on the cart version the shopper saw. */
  async setItem(
    id: string,
    productId: string,
    quantity: number,
    version: number,
  ): Promise<CartDto> {
    const em = this.em.fork();
    const cart = await this.load(em, id);
    await em.lock(cart, LockMode.OPTIMISTIC, version);
    if (cart.status === CartStatus.CheckedOut) throw new CartCheckedOutError(id);

    const products = await this.productsOf(em, cart, productId);
    const line = cart.items.getItems().find((item) => item.product.id === productId);
    if (!line && !products.has(productId)) throw new NotFoundError('Product', productId);
    if (quantity === 0) {
      if (!line) return toCartDto(cart, products);
      cart.items.remove(line);
    } else if (line) {
      line.quantity = quantity;
    } else {
      const mismatch = currencyMismatch([
        products.get(productId)!,
        ...cart.items.getItems().map((item) => products.get(item.product.id)!),
      ]);
      if (mismatch) throw mismatch;
      if (cart.items.length >= MAX_CART_LINES) {
        throw new ValidationFailedError([
          { field: 'productId', message: `a cart holds at most ${MAX_CART_LINES} lines` },
        ]);
      }
      cart.items.add(new CartItem(cart, em.getReference(Product, productId), quantity));
    }
    cart.touch();
    await em.flush();
    return toCartDto(cart, products);
  }

  onModuleInit(): void {
    this.sweeper = setInterval(
      () => void this.sweepAbandoned().catch(() => undefined),
      SWEEP_INTERVAL_MS,
    );
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Deletes open carts unchanged for CART_RETENTION_HOURS (their lines go with them), in batches
   * so that no statement holds many rows; a cart being changed meanwhile is skipped, not waited
   * for. Checked-out carts stay: their orders refer to them. Answers how many were deleted.
   */
  async sweepAbandoned(): Promise<number> {
    const connection = this.em.fork().getConnection();
    let deleted = 0;
    for (;;) {
      const rows = await connection.execute<{ id: string }[]>(
        `delete from carts where id in (
           select id from carts
            where status = 'open' and updated_at < now() - make_interval(hours => ?)
            limit ? for update skip locked)
         returning id`,
        [this.retentionHours, SWEEP_BATCH],
      );
      deleted += rows.length;
      if (rows.length < SWEEP_BATCH) break;
    }
    if (deleted > 0) new Logger('Cart').log(`Deleted ${deleted} abandoned carts`);
    return deleted;
  }

  private async load(em: EntityManager, id: string): Promise<Cart> {
    const cart = await em.findOne(Cart, id, { populate: ['items'] });
    if (!cart) throw new NotFoundError('Cart', id);
    return cart;
  }

  /** The products of the cart's lines (and `also`), as the products module reads them. */
  private async productsOf(
    em: EntityManager,
    cart: Cart,
    also?: string,
  ): Promise<Map<string, LineProduct>> {
    const ids = new Set(cart.items.getItems().map((item) => item.product.id));
    if (also) ids.add(also);
    const products = await readProductsOnSale(em.getKysely(), [...ids]);
    return new Map(products.map((product) => [product.id, product]));
  }
}
