import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, ApiUuidParams, WithoutDatabase } from '../common/openapi';
import { AdminGuard } from './admin.guard';
import { MapsVersionConflicts } from '../common/optimistic-lock.interceptor';
import { uuidParam } from '../common/validation';
import {
  CreateProductDto,
  ListProductsQuery,
  ProductDto,
  ProductPageDto,
  UpdateProductDto,
} from './dto/product.dto';
import { ProductsService } from './products.service';
import { pageBody } from './catalogue-snapshot';
import { ApiRevalidated, sendRevalidated } from './conditional-get';
import { StockEventsService } from './stock-events.service';

@ApiTags('products')
@Controller('products')
export class ProductsController {
  constructor(
    private readonly products: ProductsService,
    private readonly stockEvents: StockEventsService,
  ) {}

  /** The catalogue, a page at a time, with the stock left now. */
  @Get()
  @ApiOperation({ operationId: 'listProducts' })
  @ApiProblems({ 400: ['VALIDATION_FAILED'] })
  @ApiRevalidated(ProductPageDto)
  async list(
    @Query() query: ListProductsQuery,
    @Headers() headers: IncomingHttpHeaders,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const page = await this.products.list(query.limit, query.offset);
    sendRevalidated(reply, headers, page.etag, () => pageBody(page));
  }

  /**
   * Live stock: a Server-Sent Events stream of `stock` events, the latest stock of each product
   * that changed (on whichever instance), a few times a second at most. `stale` says changes are
   * not being heard (the database is unreachable): the counts shown may be out of date. `resync`
   * says they are heard again: re-read the stock, since changes in between were missed. When the
   * instance holds as many streams as it may (EVENT_STREAMS_MAX), 503 OVERLOADED with Retry-After.
   */
  @Get('events')
  @ApiOperation({ operationId: 'streamStockEvents' })
  @ApiOkResponse({
    description:
      'text/event-stream of `event: stock` messages whose data is ' +
      '`{"productId": "<uuid>", "stock": <int>, "version": <int>}`, the latest of each product ' +
      'changed since the last message (several may come in one write); `event: stale` ' +
      '(`{"reason": "<text>"}`) when live stock stops, `event: resync` (`{}`) when it resumes and ' +
      'the stock should be re-read; comment lines are heartbeats.',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  // While the database is away the stream stays open and says `stale`; its only 503 is the cap.
  @ApiProblems({ 503: ['OVERLOADED'] })
  @WithoutDatabase()
  streamEvents(@Res() reply: FastifyReply): void {
    this.stockEvents.stream(reply);
  }

  /** One product. */
  @Get(':id')
  @ApiOperation({ operationId: 'getProduct' })
  @ApiUuidParams('id')
  @ApiProblems({ 400: ['VALIDATION_FAILED'], 404: ['NOT_FOUND'] })
  @ApiRevalidated(ProductDto)
  async get(
    @Param('id', uuidParam('id')) id: string,
    @Headers() headers: IncomingHttpHeaders,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const product = await this.products.get(id);
    sendRevalidated(reply, headers, product.etag, () => ({ body: product.body }));
  }

  /** Adds a product to the catalogue (admin). */
  @Post()
  @HttpCode(201)
  @UseGuards(AdminGuard)
  @ApiBearerAuth('admin')
  @ApiOperation({ operationId: 'createProduct' })
  @ApiProblems({ 401: ['UNAUTHORIZED', 'ADMIN_DISABLED'], 409: ['DUPLICATE_SKU'] })
  create(@Body() body: CreateProductDto): Promise<ProductDto> {
    return this.products.create(body);
  }

  /** Edits a product (admin); `version` must be the one the editor saw. */
  @Patch(':id')
  @HttpCode(200)
  @UseGuards(AdminGuard)
  @ApiBearerAuth('admin')
  @ApiOperation({ operationId: 'updateProduct' })
  @ApiUuidParams('id')
  @ApiProblems({
    401: ['UNAUTHORIZED', 'ADMIN_DISABLED'],
    404: ['NOT_FOUND'],
  })
  @MapsVersionConflicts()
  update(
    @Param('id', uuidParam('id')) id: string,
    @Body() body: UpdateProductDto,
  ): Promise<ProductDto> {
    return this.products.update(id, body);
  }
}
