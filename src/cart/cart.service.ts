import { Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { NotFoundError } from '../common/errors';
import { Product } from '../products/product.entity';
import { Cart, CartItem, CartStatus } from './cart.entity';
import { CartCheckedOutError, CurrencyMismatchError } from './cart.errors';
import type { CartDto, CartLineInput } from './dto/cart.dto';

export function toCartDto(cart: Cart): CartDto {
  const items = cart.items.getItems().map(({ product, quantity }) => ({
    productId: product.id,
    name: product.name,
    priceCents: product.priceCents,
    quantity,
    available: product.stock,
    lineTotalCents: product.priceCents * quantity,
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

function assertOneCurrency(products: Product[]): void {
  const currencies = new Set(products.map((p) => p.currency));
  if (currencies.size > 1) throw new CurrencyMismatchError([...currencies]);
}

@Injectable()
export class CartService {
  constructor(private readonly em: EntityManager) {}

  async create(lines: CartLineInput[]): Promise<CartDto> {
    const em = this.em.fork();
    const products = await this.findProducts(
      em,
      lines.map((line) => line.productId),
    );
    assertOneCurrency([...products.values()]);
    const cart = new Cart();
    for (const { productId, quantity } of lines) {
      cart.items.add(new CartItem(cart, products.get(productId)!, quantity));
    }
    await em.persist(cart).flush();
    return toCartDto(cart);
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
      assertOneCurrency([product, ...cart.items.getItems().map((item) => item.product)]);
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
