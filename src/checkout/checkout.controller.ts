import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
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
  checkout(@Body() body: CheckoutDto): Promise<OrderDto> {
    return this.checkouts.checkout(body);
  }

  /** Buys every line of a cart, all or nothing. A cart can be checked out once. */
  @Post('cart/:id/checkout')
  @HttpCode(201)
  checkoutCart(@Param('id', uuidParam('id')) id: string): Promise<OrderDto> {
    return this.checkouts.checkoutCart(id);
  }

  /** One order. */
  @Get('orders/:id')
  getOrder(@Param('id', uuidParam('id')) id: string): Promise<OrderDto> {
    return this.checkouts.getOrder(id);
  }
}
