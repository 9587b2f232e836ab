import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { CurrencyCodes } from 'validator/lib/isISO4217';
import { INTEGER_SCHEMA as integer } from '../../common/openapi';
import { IsOmittable, STORABLE_TEXT_PATTERN } from '../../common/validation';
import {
  IsInt,
  IsIn,
  IsOptional,
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

export class CreateProductDto {
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

export class UpdateProductDto {
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
}

export class ProductPageDto {
  items: ProductDto[];
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
