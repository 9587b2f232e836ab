import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiUuidParams } from '../common/openapi';
import { uuidParam } from '../common/validation';
import { IdempotencyClaimParam, Idempotent } from '../idempotency/idempotent.decorator';
import type { IdempotencyClaim } from '../idempotency/idempotency.service';
import { CheckoutRateLimitGuard } from '../rate-limit/checkout-rate-limit.guard';
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
  @ApiProblems({
    404: ['NOT_FOUND'],
    409: ['OUT_OF_STOCK', 'VERSION_CONFLICT'],
    429: ['RATE_LIMITED'],
  })
  @UseGuards(CheckoutRateLimitGuard)
  @Idempotent()
  checkout(
    @Body() body: CheckoutDto,
    @IdempotencyClaimParam() claim?: IdempotencyClaim,
  ): Promise<OrderDto> {
    return this.checkouts.checkout(body, claim);
  }

  /** Buys every line of a cart, all or nothing. A cart can be checked out once. */
  @Post('cart/:id/checkout')
  @HttpCode(201)
  @ApiOperation({ operationId: 'checkoutCart' })
  @ApiUuidParams('id')
  @ApiProblems({
    400: ['VALIDATION_FAILED'],
    404: ['NOT_FOUND'],
    409: ['OUT_OF_STOCK', 'VERSION_CONFLICT', 'CART_CHECKED_OUT'],
    422: ['CART_EMPTY'],
    429: ['RATE_LIMITED'],
  })
  @UseGuards(CheckoutRateLimitGuard)
  @Idempotent()
  checkoutCart(
    @Param('id', uuidParam('id')) id: string,
    @IdempotencyClaimParam() claim?: IdempotencyClaim,
  ): Promise<OrderDto> {
    return this.checkouts.checkoutCart(id, claim);
  }

  /** One order. */
  @Get('orders/:id')
  @ApiOperation({ operationId: 'getOrder' })
  @ApiUuidParams('id')
  @ApiProblems({ 400: ['VALIDATION_FAILED'], 404: ['NOT_FOUND'] })
  getOrder(@Param('id', uuidParam('id')) id: string): Promise<OrderDto> {
    return this.checkouts.getOrder(id);
  }
}
