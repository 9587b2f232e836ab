import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiUuidParams } from '../common/openapi';
import { MapsVersionConflicts } from '../common/optimistic-lock.interceptor';
import { uuidParam } from '../common/validation';
import { IdempotentRequestParam, Idempotent } from '../idempotency/idempotent.decorator';
import type { IdempotentRequest } from '../idempotency/idempotent-request';
import { OrderDto } from '../orders/dto/order.dto';
import { CheckoutRateLimit } from '../rate-limit/checkout-rate-limit.guard';
import { CheckoutService } from './checkout.service';
import { CheckoutCartDto, CheckoutDto } from './dto/checkout.dto';
import type { PurchaseResult } from './purchase';

/** What a purchase can meet besides the stock: a drop's window and its per-customer limit. */
const DROP_PROBLEMS = {
  409: ['SALE_NOT_STARTED', 'SALE_ENDED', 'PURCHASE_LIMIT_REACHED'],
  422: ['EMAIL_REQUIRED'],
} as const;

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
    409: ['OUT_OF_STOCK', ...DROP_PROBLEMS[409]],
    422: ['ORDER_TOTAL_TOO_LARGE', ...DROP_PROBLEMS[422]],
    503: ['OVERLOADED'],
  })
  @ApiCreatedResponse({ type: OrderDto })
  @CheckoutRateLimit()
  @Idempotent()
  @MapsVersionConflicts()
  checkout(
    @Body() body: CheckoutDto,
    @IdempotentRequestParam() idempotency?: IdempotentRequest,
  ): Promise<PurchaseResult> {
    return this.checkouts.checkout(body, idempotency);
  }

  /** Buys every line of a cart, all or nothing. A cart can be checked out once. */
  @Post('cart/:id/checkout')
  @HttpCode(201)
  @ApiOperation({ operationId: 'checkoutCart' })
  @ApiUuidParams('id')
  @ApiProblems({
    400: ['VALIDATION_FAILED'],
    404: ['NOT_FOUND'],
    409: ['OUT_OF_STOCK', 'CART_CHECKED_OUT', ...DROP_PROBLEMS[409]],
    422: ['CART_EMPTY', 'CURRENCY_MISMATCH', 'ORDER_TOTAL_TOO_LARGE', ...DROP_PROBLEMS[422]],
    503: ['OVERLOADED'],
  })
  @ApiBody({
    type: CheckoutCartDto,
    required: false,
    description: "Optional: the customer's email, required when a line is limited per customer.",
  })
  @ApiCreatedResponse({ type: OrderDto })
  @CheckoutRateLimit()
  @Idempotent()
  @MapsVersionConflicts()
  checkoutCart(
    @Param('id', uuidParam('id')) id: string,
    @Body() body: CheckoutCartDto,
    @IdempotentRequestParam() idempotency?: IdempotentRequest,
  ): Promise<PurchaseResult> {
    return this.checkouts.checkoutCart(id, body.email, idempotency);
  }
}
