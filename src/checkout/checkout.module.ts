import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { CheckoutController } from './checkout.controller';
import { CheckoutService } from './checkout.service';
import { Order, OrderItem } from './order.entity';
import { SaleBatcher } from './sale-batcher';

@Module({
  imports: [MikroOrmModule.forFeature([Order, OrderItem])],
  controllers: [CheckoutController],
  providers: [CheckoutService, SaleBatcher],
})
export class CheckoutModule {}
