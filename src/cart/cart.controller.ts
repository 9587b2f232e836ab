import { Body, Controller, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiUuidParams } from '../common/openapi';
import { MapsVersionConflicts } from '../common/optimistic-lock.interceptor';
import { uuidParam } from '../common/validation';
import { CartCreationLimit } from '../rate-limit/cart-creation-limit.guard';
import { CartService } from './cart.service';
import { CartDto, CreateCartDto, SetCartItemDto } from './dto/cart.dto';

@ApiTags('cart')
@Controller('cart')
export class CartController {
  constructor(private readonly carts: CartService) {}

  /**
   * Creates a cart, optionally with its first lines. Limited per client
   * (RATE_LIMIT_CARTS_PER_MINUTE): past it, 429 RATE_LIMITED with Retry-After, and no cart.
   * An open cart unchanged for CART_RETENTION_HOURS is deleted.
   */
  @Post()
  @HttpCode(201)
  @ApiOperation({ operationId: 'createCart' })
  @CartCreationLimit()
  @ApiProblems({ 404: ['NOT_FOUND'], 422: ['CURRENCY_MISMATCH'] })
  create(@Body() body: CreateCartDto): Promise<CartDto> {
    return this.carts.create(body.items);
  }

  /** A cart with live prices and stock. */
  @Get(':id')
  @ApiOperation({ operationId: 'getCart' })
  @ApiUuidParams('id')
  @ApiProblems({ 400: ['VALIDATION_FAILED'], 404: ['NOT_FOUND'] })
  get(@Param('id', uuidParam('id')) id: string): Promise<CartDto> {
    return this.carts.get(id);
  }

  /**
   * Sets a line's quantity; 0 removes the line. Refused with 409 when `version` is stale, and
   * with 400 VALIDATION_FAILED (field `productId`) when it would add a line beyond the cart's 100.
   */
  @Put(':id/items/:productId')
  @HttpCode(200)
  @ApiOperation({ operationId: 'setCartItem' })
  @ApiUuidParams('id', 'productId')
  @ApiProblems({
    404: ['NOT_FOUND'],
    400: ['VALIDATION_FAILED'],
    409: ['CART_CHECKED_OUT'],
    422: ['CURRENCY_MISMATCH'],
  })
  @MapsVersionConflicts()
  setItem(
    @Param('id', uuidParam('id')) id: string,
    @Param('productId', uuidParam('productId')) productId: string,
    @Body() body: SetCartItemDto,
  ): Promise<CartDto> {
    return this.carts.setItem(id, productId, body.quantity, body.version);
  }
}
