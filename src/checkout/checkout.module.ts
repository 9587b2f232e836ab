import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ObservabilityModule } from '../observability/observability.module';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { SalesModule } from '../sales/sales.module';
import { CheckoutController } from './checkout.controller';
import { CheckoutService } from './checkout.service';
import { Order, OrderItem } from './order.entity';

@Module({
  imports: [
    MikroOrmModule.forFeature([Order, OrderItem]),
    SalesModule,
    RateLimitModule,
    ObservabilityModule,
  ],
  controllers: [CheckoutController],
  providers: [CheckoutService],
})
export class CheckoutModule {}
