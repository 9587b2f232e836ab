import type { OrderDto } from './dto/order.dto';
import { Order } from './order.entity';

export const toOrderDto = (order: Order): OrderDto => ({
  id: order.id,
  status: order.status,
  items: order.items.getItems().map((item) => ({
    productId: item.product.id,
    name: item.productName,
    quantity: item.quantity,
    unitPriceCents: item.unitPriceCents,
  })),
  totalCents: order.totalCents,
  currency: order.currency,
  email: order.email,
  createdAt: order.createdAt,
});
