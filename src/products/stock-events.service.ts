import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { Observable, Subject } from 'rxjs';
import { STOCK_CHANNEL } from './product.entity';

export interface StockChange {
  productId: string;
  stock: number;
  version: number;
}

const RECONNECT_DELAY_MS = 1000;

/**
 * Stock changes of every product, from every instance of the service: a database trigger
 * NOTIFYs each change, and one connection per process LISTENs while anyone is subscribed.
 */
@Injectable()
export class StockEventsService implements OnModuleDestroy {
  private readonly logger = new Logger(StockEventsService.name);
  private readonly subject = new Subject<StockChange>();
  private listener?: Promise<Client>;
  private stopped = false;

  constructor(private readonly orm: MikroORM) {}

  changes(): Observable<StockChange> {
    this.listener ??= this.listen();
    return this.subject.asObservable();
  }

  private async listen(): Promise<Client> {
    const client = new Client({ connectionString: this.orm.config.get('clientUrl') });
    client.on('notification', ({ payload }) => {
      if (payload) this.subject.next(JSON.parse(payload) as StockChange);
    });
    client.on('error', (error) => {
      this.listener = undefined;
      void client.end().catch(() => undefined);
      if (!this.stopped) {
        this.logger.warn(`Stock listener lost its connection: ${error.message}; reconnecting`);
        setTimeout(
          () => (this.stopped ? undefined : (this.listener ??= this.listen())),
          RECONNECT_DELAY_MS,
        );
      }
    });
    await client.connect();
    await client.query(`LISTEN ${STOCK_CHANNEL}`);
    return client;
  }

  /** Ends every open stream, so that shutting down need not wait for them. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.subject.complete();
    const listener = await this.listener?.catch(() => undefined);
    await listener?.end();
  }
}
