import { type DynamicModule, Module } from '@nestjs/common';
import { CoreModule } from './app/core.module';
import { DatabaseModule } from './app/database.module';
import { CartModule } from './cart/cart.module';
import { CheckoutModule } from './checkout/checkout.module';
import { AppConfig } from './common/config';
import { HealthModule } from './health/health.module';
import { ObservabilityModule } from './observability/observability.module';
import { OrdersModule } from './orders/orders.module';
import { ProductsModule } from './products/products.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(config),
        DatabaseModule.forRoot({ url: databaseUrl, poolSize: config.DB_POOL_SIZE }),
        ProductsModule,
        CartModule,
        CheckoutModule,
        OrdersModule,
        HealthModule,
        ObservabilityModule,
      ],
    };
  }
}
