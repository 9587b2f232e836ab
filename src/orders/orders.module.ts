import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Order, OrderItem } from './order.entity';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

/**
 * Orders: the tables a purchase writes, the rules of an order, and GET /orders/{id}. The checkout
 * batch writes and reads orders through this folder's functions, inside its own transaction.
 */
@Module({
  imports: [MikroOrmModule.forFeature([Order, OrderItem])],
  controllers: [OrdersController],
  providers: [OrdersService],
})
export class OrdersModule {}
