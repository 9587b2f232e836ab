import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { AppConfig } from '../common/config';
import { Product } from './product.entity';

const DEMO_PRODUCTS: ConstructorParameters<typeof Product>[0][] = [
  {
    sku: 'SNEAKER-1212',
    name: 'Flash Sneaker 12.12 Limited',
    description: 'Only a handful made: try selling it out.',
    priceCents: 12900,
    currency: 'USD',
    stock: 3,
  },
  {
    sku: 'TEE-CLASSIC',
    name: 'Classic Cotton Tee',
    description: 'Soft organic cotton, regular fit.',
    priceCents: 1900,
    currency: 'USD',
    stock: 250,
  },
  {
    sku: 'HOODIE-ZIP',
    name: 'Zip Hoodie',
    description: 'Brushed fleece with a full zip.',
    priceCents: 4900,
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
      await em.persist(DEMO_PRODUCTS.map((p) => new Product(p))).flush();
      new Logger(DemoCatalogue.name).log(`Seeded ${DEMO_PRODUCTS.length} demo products`);
    } catch (error) {
      // Another instance starting at the same moment seeded it first.
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
    }
  }
}
