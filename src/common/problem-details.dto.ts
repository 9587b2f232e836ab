import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CODES, type ErrorCode } from './errors';

export class FieldErrorDto {
  /** Path of the offending field. @example "items.0.quantity" */
  field: string;
  /** @example "quantity must not be less than 1" */
  message: string;
}

export class StockShortageDto {
  productId: string;
  /** @example 3 */
  @ApiProperty({ type: 'integer' })
  requested: number;
  /** @example 1 */
  @ApiProperty({ type: 'integer' })
  available: number;
}

/** An RFC 9457 problem document; every error the API answers has this shape. */
export class ProblemDetailsDto {
  /** @example "/problems/out-of-stock" */
  type: string;
  /** @example "Out of stock" */
  title: string;
  /** @example 409 */
  @ApiProperty({ type: 'integer' })
  status: number;
  /** @example "Product 5f0c6f5e-3f7a-4c1e-9a59-7c1f8f0b2a11 is sold out." */
  detail: string;
  /** Stable, machine-readable error code. */
  @ApiProperty({ enum: ERROR_CODES, enumName: 'ErrorCode', example: 'OUT_OF_STOCK' })
  code: ErrorCode;
  /** The request path. @example "/checkout" */
  instance?: string;
  /** The request's id, also in the x-request-id header and in every log line about it. */
  requestId?: string;
  /** With VALIDATION_FAILED: each invalid field. */
  @ApiPropertyOptional({ type: [FieldErrorDto] })
  errors?: FieldErrorDto[];
  /** With OUT_OF_STOCK, SALE_NOT_STARTED, SALE_ENDED, EMAIL_REQUIRED and PURCHASE_LIMIT_REACHED: the product. */
  productId?: string;
  /** With OUT_OF_STOCK: the quantity asked for. @example 3 */
  @ApiPropertyOptional({ type: 'integer' })
  requested?: number;
  /** With OUT_OF_STOCK: units still available. @example 1 */
  @ApiPropertyOptional({ type: 'integer' })
  available?: number;
  /** With OUT_OF_STOCK on a cart checkout: every short line. */
  @ApiPropertyOptional({ type: [StockShortageDto] })
  shortages?: StockShortageDto[];
  /** With SALE_NOT_STARTED: when the sale opens. @example "2026-12-12T00:00:00.000Z" */
  @ApiPropertyOptional({ type: 'string', format: 'date-time' })
  startsAt?: string;
  /** With SALE_ENDED: when the sale closed. @example "2026-12-13T00:00:00.000Z" */
  @ApiPropertyOptional({ type: 'string', format: 'date-time' })
  endsAt?: string;
  /** With EMAIL_REQUIRED and PURCHASE_LIMIT_REACHED: units one customer may buy in all. @example 2 */
  @ApiPropertyOptional({ type: 'integer' })
  limit?: number;
  /**
   * With PURCHASE_LIMIT_REACHED: units this customer may still buy; absent when the quantity asked
   * for is past the limit on its own (then the answer is the same for every email). @example 0
   */
  @ApiPropertyOptional({ type: 'integer' })
  remaining?: number;
  /** With RATE_LIMITED, OVERLOADED, DATABASE_UNAVAILABLE and SALE_NOT_STARTED: when to try again, as in Retry-After. @example 12 */
  @ApiPropertyOptional({ type: 'integer' })
  retryAfterSeconds?: number;
  /** With VERSION_CONFLICT, when known: the version now stored. @example 4 */
  @ApiPropertyOptional({ type: 'integer' })
  currentVersion?: number;
}
