import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { AdminGuard } from './admin.guard';
import { DemoCatalogue } from './demo-catalogue';
import { Product } from './product.entity';
import { ProductsController } from './products.controller';
import { ProductsService } from './products.service';
import { StockEventsService } from './stock-events.service';

@Module({
  imports: [MikroOrmModule.forFeature([Product])],
  controllers: [ProductsController],
  providers: [ProductsService, DemoCatalogue, StockEventsService, AdminGuard],
  exports: [ProductsService],
})
export class ProductsModule {}
