import { Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { RateLimitModule } from '../rate-limit/rate-limit.module';
import { CartController } from './cart.controller';
import { Cart, CartItem } from './cart.entity';
import { CartService } from './cart.service';

@Module({
  imports: [MikroOrmModule.forFeature([Cart, CartItem]), RateLimitModule],
  controllers: [CartController],
  providers: [CartService],
})
export class CartModule {}
