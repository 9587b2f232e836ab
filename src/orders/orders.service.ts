import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError } from '../common/errors';
import type { OrderDto } from './dto/order.dto';
import { Order } from './order.entity';
import { toOrderDto } from './order.mapper';

@Injectable()
export class OrdersService {
  constructor(private readonly em: EntityManager) {}

  async get(id: string): Promise<OrderDto> {
    const order = await this.em.fork().findOne(Order, id, { populate: ['items'] });
    if (!order) throw new NotFoundError('Order', id);
    return toOrderDto(order);
  }
}
