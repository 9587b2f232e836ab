import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { INTEGER_SCHEMA as integer, UUID_SCHEMA } from '../../common/openapi';
import { ToLowerCase } from '../../common/validation';
import { MAX_QUANTITY } from '../../orders/order.errors';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsObject,
  IsUUID,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

export const MAX_CART_LINES = 100;

export class CartLineInput {
  /** @example "5f0c6f5e-3f7a-4c1e-9a59-7c1f8f0b2a11" */
  @ApiProperty(UUID_SCHEMA)
  @ToLowerCase()
  @IsUUID()
  productId: string;

  /** @example 2 */
  @ApiProperty(integer)
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity: number;
}

export class CreateCartDto {
  /**
   * The cart's first lines; may be empty. Each product at most once (ids compared in any letter
   * case): a product named twice is refused with 400 VALIDATION_FAILED.
   */
  @ApiProperty({ type: [CartLineInput], maxItems: MAX_CART_LINES, uniqueItems: true })
  @IsArray()
  @ArrayMaxSize(MAX_CART_LINES)
  // @ValidateNested alone lets a line that is an array through.
  @IsObject({ each: true })
  @ArrayUnique((line: CartLineInput) => line?.productId, {
    message: 'items must name each product at most once',
  })
  @ValidateNested({ each: true })
  @Type(() => CartLineInput)
  items: CartLineInput[];
}

export class SetCartItemDto {
  /** New quantity; 0 removes the line. @example 3 */
  @ApiProperty(integer)
  @IsInt()
  @Min(0)
  @Max(MAX_QUANTITY)
  quantity: number;

  /** The cart version the shopper last saw. @example 1 */
  @ApiProperty(integer)
  @IsInt()
  @Min(1)
  version: number;
}

export class CartLineDto {
  productId: string;
  /** @example "Red T-shirt, M" */
  name: string;
  /** @example 1999 */
  @ApiProperty(integer)
  priceCents: number;
  /** @example 2 */
  @ApiProperty(integer)
  quantity: number;
  /** Units of the product left right now. @example 17 */
  @ApiProperty(integer)
  available: number;
  /** @example 3998 */
  @ApiProperty(integer)
  lineTotalCents: number;
  /** The product's limit per customer, when it has one: checkout then needs an email. @example 2 */
  @ApiProperty({ ...integer, nullable: true })
  maxPerCustomer: number | null;
  /** The product is not sold before this moment, when set. */
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  saleStartsAt: Date | null;
  /** The product is not sold from this moment on, when set. */
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  saleEndsAt: Date | null;
}

export class CartDto {
  id: string;
  /** Send it back with every change to the cart. @example 1 */
  @ApiProperty(integer)
  version: number;
  /** @example "open" */
  status: 'open' | 'checked_out';
  items: CartLineDto[];
  /** @example 3998 */
  @ApiProperty(integer)
  subtotalCents: number;
  /** Currency of the lines; null while the cart is empty. @example "USD" */
  currency: string | null;
}
