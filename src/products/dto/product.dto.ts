import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { CurrencyCodes } from 'validator/lib/isISO4217';
import { INTEGER_SCHEMA as integer, TIMESTAMP_SCHEMA } from '../../common/openapi';
import { IsOmittable, IsTimestamp, STORABLE_TEXT_PATTERN } from '../../common/validation';
import {
  IsInt,
  IsIn,
  IsOptional,
  ValidateIf,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

export const MAX_STOCK = 1_000_000;
export const MAX_PRICE_CENTS = 100_000_000;

/**
 * ISO 4217 codes (validator's list, the one `@IsISO4217CurrencyCode()` uses), in upper case, as
 * they are stored and documented. `IsISO4217CurrencyCode` itself also takes lower case.
 */
export const CURRENCY_CODES = [...CurrencyCodes].sort();
const currency = { enum: CURRENCY_CODES, enumName: 'CurrencyCode' } as const;
const IsCurrencyCode = () =>
  IsIn(CURRENCY_CODES, { message: '$property must be an ISO 4217 code in upper case, e.g. USD' });
const text = { pattern: STORABLE_TEXT_PATTERN } as const;

/**
 * An absolute http(s) URL, or a path on this service; visible ASCII only. After the scheme's `//`
 * or the path's `/` comes neither `/` nor `\`: browsers read `//host/x` and `/\host/x` as
 * another host's address.
 */
export const IMAGE_URL_PATTERN = '^(?:https?://|/)[!-.0-\\[\\]-~][!-~]*$';
const nullable = { nullable: true } as const;
/** Optional, and null clears it. */
const IsClearable = () => ValidateIf((_object, value) => value !== undefined && value !== null);

/**
 * The drop's fields, the same on create and edit: all optional, and null clears a field. Rules
 * between fields (and the stored price) are the entity's: `Product.assertConsistent`.
 */
class DropFieldsDto {
  /**
   * When the drop opens: before it, checkout answers 409 SALE_NOT_STARTED. Null: on sale now.
   * @example "2026-12-12T00:00:00+08:00"
   */
  @ApiPropertyOptional({ ...TIMESTAMP_SCHEMA, ...nullable })
  @IsClearable()
  @IsTimestamp()
  saleStartsAt?: string | null;

  /**
   * When the sale closes, later than `saleStartsAt`: from then on, checkout answers 409
   * SALE_ENDED. Null: no end.
   * @example "2026-12-13T00:00:00+08:00"
   */
  @ApiPropertyOptional({ ...TIMESTAMP_SCHEMA, ...nullable })
  @IsClearable()
  @IsTimestamp()
  saleEndsAt?: string | null;

  /**
   * Units one customer may buy across all their orders, counted by normalised email (see
   * CheckoutDto.email). Checkout then requires an email. Null: no limit.
   * @example 2
   */
  @ApiPropertyOptional({ ...integer, ...nullable })
  @IsClearable()
  @IsInt()
  @Min(1)
  @Max(MAX_STOCK)
  maxPerCustomer?: number | null;

  /** The original price, at least `priceCents`, shown struck through. Null: none. @example 2499 */
  @ApiPropertyOptional({ ...integer, ...nullable })
  @IsClearable()
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_CENTS)
  compareAtPriceCents?: number | null;

  /**
   * The product's picture: an absolute http(s) URL, or a path on this service (`/` then neither
   * `/` nor `\`: `//host/x` and `/\host/x` are refused, as browsers load them from another host).
   * Null: none.
   * @example "/images/products/tee-classic.svg"
   */
  @ApiPropertyOptional({ pattern: IMAGE_URL_PATTERN, maxLength: 2048, ...nullable })
  @IsClearable()
  @IsString()
  @Matches(new RegExp(IMAGE_URL_PATTERN), {
    message:
      'imageUrl must be an http(s) URL or a path on this service (one / then neither / nor \\)',
  })
  @MaxLength(2048)
  imageUrl?: string | null;
}

export class ListProductsQuery {
  /** Page size. */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;

  /** Products to skip. */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  offset: number = 0;
}

export class CreateProductDto extends DropFieldsDto {
  /** Stock-keeping unit, unique across the catalogue. @example "TEE-RED-M" */
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, {
    message: 'sku must be 1 to 64 letters, digits, dots, dashes or underscores',
  })
  sku: string;

  /** @example "Red T-shirt, M" */
  @ApiProperty(text)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  /** @example "Organic cotton." */
  @ApiPropertyOptional(text)
  @IsOmittable()
  @IsString()
  @MaxLength(2000)
  description?: string;

  /** Price in the currency's minor unit. @example 1999 */
  @ApiProperty(integer)
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_CENTS)
  priceCents: number;

  /** ISO 4217 code, in upper case. @example "USD" */
  @ApiProperty(currency)
  @IsCurrencyCode()
  currency: string;

  /** Units on hand. @example 100 */
  @ApiProperty(integer)
  @IsInt()
  @Min(0)
  @Max(MAX_STOCK)
  stock: number;
}

export class UpdateProductDto extends DropFieldsDto {
  /** The version the editor last saw; a stale one is refused with 409 VERSION_CONFLICT. @example 1 */
  @ApiProperty(integer)
  @IsInt()
  @Min(1)
  version: number;

  @ApiPropertyOptional(text)
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional(text)
  @IsOmittable()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional(integer)
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_CENTS)
  priceCents?: number;

  @ApiPropertyOptional(currency)
  @IsOmittable()
  @IsCurrencyCode()
  currency?: string;

  @ApiPropertyOptional(integer)
  @IsOmittable()
  @IsInt()
  @Min(0)
  @Max(MAX_STOCK)
  stock?: number;
}

export class ProductDto {
  /** @example "5f0c6f5e-3f7a-4c1e-9a59-7c1f8f0b2a11" */
  id: string;
  /** @example "TEE-RED-M" */
  sku: string;
  /** @example "Red T-shirt, M" */
  name: string;
  description: string;
  /** @example 1999 */
  @ApiProperty(integer)
  priceCents: number;
  /** @example "USD" */
  currency: string;
  /** Units left right now. @example 42 */
  @ApiProperty(integer)
  stock: number;
  /** Send it back as `version` when editing, or as `expectedVersion` when checking out. @example 3 */
  @ApiProperty(integer)
  version: number;
  /** Not sold before this moment, when set. @example "2026-12-12T00:00:00.000Z" */
  @ApiProperty({ type: 'string', format: 'date-time', ...nullable })
  saleStartsAt: Date | null;
  /** Not sold from this moment on, when set. */
  @ApiProperty({ type: 'string', format: 'date-time', ...nullable })
  saleEndsAt: Date | null;
  /** Units one customer may buy across their orders, when limited. @example 2 */
  @ApiProperty({ ...integer, ...nullable })
  maxPerCustomer: number | null;
  /** The original price, when the product is on sale. @example 2499 */
  @ApiProperty({ ...integer, ...nullable })
  compareAtPriceCents: number | null;
  /** The product's picture. @example "/images/products/tee-classic.svg" */
  @ApiProperty({ type: 'string', ...nullable })
  imageUrl: string | null;
}

export class ProductPageDto {
  items: ProductDto[];
  /**
   * The service's clock when the page was read. Sale windows are decided by it: count down to a
   * `saleStartsAt` from this, not from the shopper's clock.
   */
  serverTime: Date;
  /** Products in the catalogue. @example 120 */
  @ApiProperty(integer)
  total: number;
  /** @example 20 */
  @ApiProperty(integer)
  limit: number;
  /** @example 0 */
  @ApiProperty(integer)
  offset: number;
}
