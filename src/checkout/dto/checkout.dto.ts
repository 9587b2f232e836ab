import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsOmittable, ToLowerCase } from '../../common/validation';
import { INTEGER_SCHEMA as integer, UUID_SCHEMA } from '../../common/openapi';
import { EMAIL_PATTERN, MAX_EMAIL_LENGTH } from '../../orders/customer-email';
import { MAX_QUANTITY } from '../../orders/order.errors';

class CustomerEmailDto {
  /**
   * The customer's email, kept on the order. Required for a product limited per customer
   * (`maxPerCustomer`), whose limit counts every order of the same customer: emails are
   * compared trimmed, in lower case, and without a `+tag` in the local part
   * (`Ann+sale@Example.com` is `ann@example.com`).
   * @example "ann@example.com"
   */
  @ApiPropertyOptional({ pattern: EMAIL_PATTERN, maxLength: MAX_EMAIL_LENGTH })
  @IsOmittable()
  @IsString()
  @Matches(new RegExp(EMAIL_PATTERN), { message: 'email must be an email address' })
  @MaxLength(MAX_EMAIL_LENGTH)
  email?: string;
}

/** The optional body of a cart checkout. */
export class CheckoutCartDto extends CustomerEmailDto {}

export class CheckoutDto extends CustomerEmailDto {
  /** @example "5f0c6f5e-3f7a-4c1e-9a59-7c1f8f0b2a11" */
  @ApiProperty(UUID_SCHEMA)
  @ToLowerCase()
  @IsUUID()
  productId: string;

  /** @example 1 */
  @ApiProperty(integer)
  @IsInt()
  @Min(1)
  @Max(MAX_QUANTITY)
  quantity: number;

  /**
   * The product version the shopper saw. When given, the purchase happens only at exactly that
   * version (409 VERSION_CONFLICT otherwise); when omitted, concurrent purchases are served in
   * arrival order for as long as stock lasts.
   * @example 3
   */
  @ApiPropertyOptional(integer)
  @IsOmittable()
  @IsInt()
  @Min(1)
  expectedVersion?: number;
}
