import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../common/openapi';
import { uuidParam } from '../common/validation';
import { CheckoutService } from './checkout.service';
import { CheckoutDto, OrderDto } from './dto/checkout.dto';

@ApiTags('checkout')
@Controller()
export class CheckoutController {
  constructor(private readonly checkouts: CheckoutService) {}

  /** Buys one product right away: the flash-sale path. */
  @Post('checkout')
  @HttpCode(201)
  @ApiOperation({ operationId: 'checkout' })
  @ApiProblems({ 404: ['NOT_FOUND'], 409: ['OUT_OF_STOCK', 'VERSION_CONFLICT'] }, { body: true })
  checkout(@Body() body: CheckoutDto): Promise<OrderDto> {
    return this.checkouts.checkout(body);
  }

  /** Buys every line of a cart, all or nothing. A cart can be checked out once. */
  @Post('cart/:id/checkout')
  @HttpCode(201)
  @ApiOperation({ operationId: 'checkoutCart' })
  @ApiProblems({
    400: ['VALIDATION_FAILED'],
    404: ['NOT_FOUND'],
    409: ['OUT_OF_STOCK', 'VERSION_CONFLICT', 'CART_CHECKED_OUT'],
    422: ['CART_EMPTY'],
  })
  checkoutCart(@Param('id', uuidParam('id')) id: string): Promise<OrderDto> {
    return this.checkouts.checkoutCart(id);
  }

  /** One order. */
  @Get('orders/:id')
  @ApiOperation({ operationId: 'getOrder' })
  @ApiProblems({ 400: ['VALIDATION_FAILED'], 404: ['NOT_FOUND'] })
  getOrder(@Param('id', uuidParam('id')) id: string): Promise<OrderDto> {
    return this.checkouts.getOrder(id);
  }
}
