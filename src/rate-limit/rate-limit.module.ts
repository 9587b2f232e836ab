import { Global, Module } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { CheckoutRateLimitGuard } from './checkout-rate-limit.guard';
import { RateLimitWindow } from './rate-limit-window.entity';

@Global()
@Module({
  imports: [MikroOrmModule.forFeature([RateLimitWindow])],
  providers: [CheckoutRateLimitGuard],
  exports: [CheckoutRateLimitGuard],
})
export class RateLimitModule {}
