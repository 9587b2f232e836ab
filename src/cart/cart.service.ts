import { Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { AppConfig } from '../common/config';
import { Coalescer, type Outcome } from '../common/coalescer';
import { type DomainError, NotFoundError } from '../common/errors';
import { Product } from '../products/product.entity';
import { Cart, CartItem, CartStatus } from './cart.entity';
import { CartCheckedOutError, currencyMismatch } from './cart.errors';
import type { CartDto, CartLineInput } from './dto/cart.dto';

export function toCartDto(cart: Cart): CartDto {
  const items = cart.items.getItems().map(({ product, quantity }) => ({
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
    currency: cart.items.getItems()[0]?.product.currency ?? null,
  };
}

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
    });
  }

  create(lines: CartLineInput[]): Promise<CartDto> {
    return this.creations.submit(lines);
  }

  /** Each cart is created or refused on its own (a missing product, mixed currencies). */
  private createBatch(batch: CartLineInput[][]): Promise<Outcome<CartDto>[]> {
    return this.em.fork().transactional(async (em) => {
      const ids = [...new Set(batch.flat().map((line) => line.productId))];
      const products = new Map(
        (ids.length === 0 ? [] : await em.find(Product, { id: { $in: ids } })).map((p) => [
          p.id,
          p,
        ]),
      );
      const outcomes = batch.map((lines): Cart | DomainError => {
        const missing = lines.find((line) => !products.has(line.productId));
        if (missing) return new NotFoundError('Product', missing.productId);
        const cartProducts = lines.map((line) => products.get(line.productId)!);
        const mismatch = currencyMismatch(cartProducts);
        if (mismatch) return mismatch;
        const cart = new Cart();
        cart.version = 1;
        lines.forEach(({ quantity }, i) =>
          cart.items.add(new CartItem(cart, cartProducts[i], quantity)),
        );
        return cart;
      });
      const carts = outcomes.filter((outcome) => outcome instanceof Cart);
      if (carts.length > 0) {
        await em.insertMany(carts);
        const items = carts.flatMap((cart) => cart.items.getItems());
        if (items.length > 0) await em.insertMany(items);
      }
      return outcomes.map((outcome) => (outcome instanceof Cart ? toCartDto(outcome) : outcome));
    });
  }

  async get(id: string): Promise<CartDto> {
    return toCartDto(await this.load(this.em.fork(), id));
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

    const line = cart.items.getItems().find((item) => item.product.id === productId);
    if (quantity === 0) {
      if (!line) {
        await this.findProducts(em, [productId]);
        return toCartDto(cart);
      }
      cart.items.remove(line);
    } else if (line) {
      line.quantity = quantity;
    } else {
      const [product] = (await this.findProducts(em, [productId])).values();
      const mismatch = currencyMismatch([
        product,
        ...cart.items.getItems().map((item) => item.product),
      ]);
      if (mismatch) throw mismatch;
      cart.items.add(new CartItem(cart, product, quantity));
    }
    cart.touch();
    await em.flush();
    return toCartDto(cart);
  }

  private async load(em: EntityManager, id: string): Promise<Cart> {
    const cart = await em.findOne(Cart, id, { populate: ['items.product'] });
    if (!cart) throw new NotFoundError('Cart', id);
    return cart;
  }

  /** The named products by id; a missing one is a 404. */
  private async findProducts(em: EntityManager, ids: string[]): Promise<Map<string, Product>> {
    const found = await em.find(Product, { id: { $in: ids } });
    const byId = new Map(found.map((product) => [product.id, product]));
    const missing = ids.find((id) => !byId.has(id));
    if (missing) throw new NotFoundError('Product', missing);
    return byId;
  }
}
