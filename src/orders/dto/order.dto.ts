import { ApiProperty } from '@nestjs/swagger';
import { INTEGER_SCHEMA as integer } from '../../common/openapi';

export class OrderLineDto {
  productId: string;
  /** Product name at purchase time. @example "Red T-shirt, M" */
  name: string;
  /** @example 1 */
  @ApiProperty(integer)
  quantity: number;
  /** Price at purchase time. @example 1999 */
  @ApiProperty(integer)
  unitPriceCents: number;
}

export class OrderDto {
  id: string;
  /** @example "confirmed" */
  status: 'confirmed';
  items: OrderLineDto[];
  /** @example 1999 */
  @ApiProperty(integer)
  totalCents: number;
  /** @example "USD" */
  currency: string;
  /** The customer's email as given at checkout (trimmed), when given. @example "ann@example.com" */
  @ApiProperty({ type: 'string', nullable: true })
  email: string | null;
  createdAt: Date;
}
