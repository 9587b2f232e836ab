import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { AppConfig } from '../common/config';
import { Product } from './product.entity';
import { PRODUCT_IMAGES_PREFIX } from './product-images';

type DemoProduct = Omit<ConstructorParameters<typeof Product>[0], 'imageUrl'>;

/** The drop opens a minute after the first start, so a visitor sees its countdown run out. */
const DROP_DELAY_MS = 60_000;
const DROP_LENGTH_MS = 24 * 60 * 60_000;

const demoProducts = (now: number): DemoProduct[] => [
  {
    sku: 'JACKET-1212',
    name: '12.12 Drop Bomber Jacket',
    description: 'The drop: on sale a minute after the store opens, one per customer.',
    priceCents: 8900,
    compareAtPriceCents: 14900,
    currency: 'USD',
    stock: 25,
    saleStartsAt: new Date(now + DROP_DELAY_MS),
    saleEndsAt: new Date(now + DROP_DELAY_MS + DROP_LENGTH_MS),
    maxPerCustomer: 1,
  },
  {
    sku: 'SNEAKER-1212',
    name: 'Flash Sneaker 12.12 Limited',
    description: 'Only a handful made, and two per customer.',
    priceCents: 12900,
    compareAtPriceCents: 18900,
    currency: 'USD',
    stock: 3,
    maxPerCustomer: 2,
  },
  {
    sku: 'TEE-CLASSIC',
    name: 'Classic Cotton Tee',
    description: 'Soft organic cotton, regular fit.',
    priceCents: 1900,
    compareAtPriceCents: 2500,
    currency: 'USD',
    stock: 250,
  },
  {
    sku: 'HOODIE-ZIP',
    name: 'Zip Hoodie',
    description: 'Brushed fleece with a full zip.',
    priceCents: 4900,
    compareAtPriceCents: 6900,
    currency: 'USD',
    stock: 80,
  },
  {
    sku: 'MUG-ENAMEL',
    name: 'Enamel Camp Mug',
    description: '350 ml, dishwasher safe.',
    priceCents: 1400,
    currency: 'USD',
    stock: 120,
  },
  {
    sku: 'BOTTLE-STEEL',
    name: 'Steel Water Bottle',
    description: 'Keeps drinks cold for 24 hours.',
    priceCents: 2400,
    currency: 'USD',
    stock: 60,
  },
  {
    sku: 'CAP-WOOL',
    name: 'Wool Cap',
    description: 'Merino blend, one size.',
    priceCents: 2200,
    currency: 'USD',
    stock: 40,
  },
  {
    sku: 'TOTE-CANVAS',
    name: 'Canvas Tote',
    description: 'Heavy canvas with an inner pocket.',
    priceCents: 1600,
    currency: 'USD',
    stock: 150,
  },
  {
    sku: 'SOCKS-3PK',
    name: 'Everyday Socks, 3 pack',
    description: 'Cushioned soles, reinforced heels.',
    priceCents: 1200,
    currency: 'USD',
    stock: 300,
  },
];

/** Each demo product's picture, drawn for it and served by this service. */
const pictureOf = (sku: string) => `${PRODUCT_IMAGES_PREFIX}${sku.toLowerCase()}.svg`;

/** Seeds a small catalogue into an empty database, so a fresh start has something to sell. */
@Injectable()
export class DemoCatalogue implements OnApplicationBootstrap {
  constructor(
    private readonly em: EntityManager,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.SEED_DEMO_DATA) return;
    const em = this.em.fork();
    if ((await em.count(Product)) > 0) return;
    try {
      const products = demoProducts(Date.now()).map(
        (p) => new Product({ ...p, imageUrl: pictureOf(p.sku) }),
      );
      await em.persist(products).flush();
      new Logger(DemoCatalogue.name).log(`Seeded ${products.length} demo products`);
    } catch (error) {
      // Another instance starting at the same moment seeded it first.
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
    }
  }
}
