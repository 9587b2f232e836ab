import { css } from 'lit';

export const orderConfirmationStyles = css`
  :host {
    display: block;
  }

  .card {
    padding: 1.5rem 1.25rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
  }

  .tick {
    display: inline-grid;
    place-items: center;
    width: 2.5rem;
    height: 2.5rem;
    margin-bottom: 0.5rem;
    border-radius: 50%;
    background: var(--_success);
    color: #fff;
    font-size: 1.4rem;
    font-weight: 700;
  }

  dl {
    display: grid;
    grid-template-columns: max-content minmax(0, 1fr);
    gap: 0.35rem 1rem;
    margin: 1rem 0;
  }

  dt {
    color: var(--_muted);
  }

  dd {
    margin: 0;
    overflow-wrap: anywhere;
  }

  .order-id {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.95rem;
  }

  table {
    width: 100%;
    border-collapse: collapse;
    margin: 1rem 0;
  }

  caption {
    text-align: start;
    font-weight: 700;
    padding-bottom: 0.5rem;
  }

  th,
  td {
    padding: 0.6rem 0.25rem;
    border-bottom: 1px solid var(--_border);
    text-align: start;
    vertical-align: top;
  }

  th.number,
  td.number {
    text-align: end;
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }

  tfoot th,
  tfoot td {
    border-bottom: none;
    font-size: 1.15rem;
    font-weight: 700;
  }

  @media (max-width: 480px) {
    /* The line total and quantity say enough on a phone; the unit price makes the table cramped. */
    .unit-price {
      display: none;
    }

    th,
    td {
      padding-inline: 0.15rem;
    }
  }

  .continue {
    display: inline-block;
    margin-top: 0.5rem;
    font-weight: 600;
  }
`;
