import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsOmittable, ToLowerCase } from '../../common/validation';
import { INTEGER_SCHEMA as integer, UUID_SCHEMA } from '../../common/openapi';
import { EMAIL_PATTERN, MAX_EMAIL_LENGTH } from '../../orders/customer-email';
import { MAX_QUANTITY } from '../../orders/order.errors';

class CustomerEmailDto {
  /**
   * The customer's email, kept on the order. Required for a product limited per customer
   * (`maxPerCustomer`), whose limit counts every order of the same customer.
   *
   * What is taken: a plain `local@domain` of at most 254 characters (spaces around it are
   * trimmed). The local part: letters, digits and `_ % ' + - .`, not starting with
   * `+`, with no leading, trailing or doubled dot. The domain: two or more labels of letters,
   * digits and inner hyphens, 1 to 63 each, joined by dots, with no trailing dot. Quoted local
   * parts, comments, address literals (`[127.0.0.1]`) and anything else: 400 VALIDATION_FAILED.
   *
   * Who the customer is: the email trimmed, in lower case, and without a `+tag` in the local
   * part (`Ann+sale@Example.com` is `ann@example.com`); dots are kept.
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
