import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** Requests one client made in one fixed window; shared by every instance of the service. */
@Entity({ tableName: 'rate_limit_windows' })
export class RateLimitWindow {
  /** What is limited and for whom, e.g. `checkout:203.0.113.7`. */
  @PrimaryKey({ length: 200 })
  bucket: string;

  @PrimaryKey({ type: 'datetime' })
  windowStart: Date;

  @Property({ type: 'integer' })
  hits: number;
}
