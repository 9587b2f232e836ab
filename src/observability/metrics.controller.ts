import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { WithoutDatabase } from '../common/openapi';
import { MetricsService } from './metrics.service';

@ApiTags('observability')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** Prometheus metrics of this instance, in the text exposition format. */
  @Get()
  @ApiOperation({ operationId: 'getMetrics' })
  @ApiOkResponse({
    description: 'Prometheus text exposition format, version 0.0.4.',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @WithoutDatabase()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
