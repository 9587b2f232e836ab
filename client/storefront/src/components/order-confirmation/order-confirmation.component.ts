import { LitElement, html, nothing } from 'lit';
import { property, query } from 'lit/decorators.js';
import { Task, TaskStatus, initialState } from '@lit/task';
import { formatMoney } from '../../shop/money.js';
import type { OrderDto } from '../../shop/sdk.js';
import { type Shop, describeFailure } from '../../shop/shop.js';
import { sharedStyles } from '../../styles/shared.js';
import { orderConfirmationStyles } from './order-confirmation.styles.js';

/**
 * The confirmation of one order, read from the API by id: its id, date, the email it was placed
 * with (when there is one), lines and total.
 *
 * @csspart title - the heading
 * @csspart order-id - the order id
 * @csspart email - the email the order was placed with
 * @csspart lines - the table of lines
 */
export class OrderConfirmation extends LitElement {
  static override styles = [sharedStyles, orderConfirmationStyles];

  @property({ attribute: false }) shop!: Shop;

  @property({ attribute: 'order-id' }) orderId = '';

  @query('h1') private heading?: HTMLHeadingElement;

  readonly #load = new Task(this, {
    task: async ([shop, orderId], { signal }) =>
      shop && orderId ? shop.order(orderId, signal) : initialState,
    args: () => [this.shop, this.orderId] as const,
  });

  /** Moves focus to the heading (after a route change). */
  override focus(): void {
    this.heading?.focus();
  }

  override render() {
    // One heading element whatever the state, so focus put on it survives the data arriving.
    const title = this.#load.render({
      initial: () => 'Your order',
      pending: () => 'Your order',
      complete: () => 'Thank you! Your order is confirmed.',
      error: () => 'Order not found',
    });
    return html`<section class="card">
      ${
        this.#load.status === TaskStatus.COMPLETE
          ? html`<div class="tick" aria-hidden="true">✓</div>`
          : nothing
      }
      <h1 tabindex="-1" part="title">${title}</h1>
      ${this.#load.render({
        initial: () => this.#loading(),
        pending: () => this.#loading(),
        complete: (order) => this.#order(order),
        error: (error) =>
          html`<div role="alert">
            <p>${error instanceof Error ? error.message : describeFailure(error)}</p>
            <p><a href="#/">Back to the flash sale</a></p>
          </div>`,
      })}
    </section>`;
  }

  #loading() {
    return html`<p aria-busy="true">
      <span class="spinner" aria-hidden="true"></span>Loading your order…
    </p>`;
  }

  #order(order: OrderDto) {
    const money = (cents: number) => formatMoney(cents, order.currency);
    const placed = new Date(order.createdAt);
    return html`
      <dl>
        <dt>Order number</dt>
        <dd class="order-id" part="order-id">${order.id}</dd>
        <dt>Placed</dt>
        <dd>
          <time datetime=${order.createdAt}
            >${placed.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}</time
          >
        </dd>
        ${
          order.email
            ? html`<dt>Email</dt>
                <dd class="email" part="email">${order.email}</dd>`
            : nothing
        }
      </dl>
      <table part="lines">
        <caption>
          What you bought
        </caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col" class="number">Quantity</th>
            <th scope="col" class="number unit-price">Price</th>
            <th scope="col" class="number">Total</th>
          </tr>
        </thead>
        <tbody>
          ${order.items.map(
            (line) =>
              html`<tr>
                <td>${line.name}</td>
                <td class="number">${line.quantity}</td>
                <td class="number unit-price">${money(line.unitPriceCents)}</td>
                <td class="number">${money(line.unitPriceCents * line.quantity)}</td>
              </tr>`,
          )}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            <td></td>
            <td class="unit-price"></td>
            <td class="number">${money(order.totalCents)}</td>
          </tr>
        </tfoot>
      </table>
      <a class="continue" href="#/">Continue shopping</a>
    `;
  }
}
