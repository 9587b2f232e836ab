import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiUuidParams } from '../common/openapi';
import { uuidParam } from '../common/validation';
import { OrderDto } from './dto/order.dto';
import { OrdersService } from './orders.service';

// Tagged 'checkout', as in the published document: orders are what checkout makes.
@ApiTags('checkout')
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  /** One order. */
  @Get(':id')
  @ApiOperation({ operationId: 'getOrder' })
  @ApiUuidParams('id')
  @ApiProblems({ 400: ['VALIDATION_FAILED'], 404: ['NOT_FOUND'] })
  getOrder(@Param('id', uuidParam('id')) id: string): Promise<OrderDto> {
    return this.orders.get(id);
  }
}
