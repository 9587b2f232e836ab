import { Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { AppConfig } from '../common/config';
import { Coalescer, type Outcome } from '../common/coalescer';
import { anyOf, recordsOf } from '../common/database/list-parameters';
import { DomainError, NotFoundError } from '../common/errors';
import { Product } from '../products/product.entity';
import { currencyMismatch } from '../orders/order.errors';
import { type ProductOnSale, readProductsOnSale } from '../products/product-sale';
import { Cart, CartItem, CartStatus } from './cart.entity';
import { CartCheckedOutError } from './cart.errors';
import type { CartDto, CartLineInput } from './dto/cart.dto';

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

@Injectable()
export class CartService {
  /**
   * New carts are written in batches, like purchases: a sale's shoppers fill carts by the
   * thousand, and one transaction with multi-row inserts costs far less than one per cart.
   */
  private readonly creations: Coalescer<CartLineInput[], CartDto>;

  constructor(
    private readonly em: EntityManager,
    config: AppConfig,
  ) {
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
      cart.items.add(new CartItem(cart, em.getReference(Product, productId), quantity));
    }
    cart.touch();
    await em.flush();
    return toCartDto(cart, products);
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
