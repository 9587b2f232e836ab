import { css } from 'lit';

export const cartViewStyles = css`
  :host {
    display: block;
  }

  .status {
    position: sticky;
    top: 0.5rem;
    z-index: 1;
    box-shadow: 0 2px 8px rgb(0 0 0 / 8%);
  }

  ul {
    margin: 1rem 0 0;
    padding: 0;
    list-style: none;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
  }

  li {
    display: grid;
    grid-template-columns: minmax(0, 1fr) auto 7rem auto;
    grid-template-areas: 'info quantity total remove';
    align-items: center;
    gap: 0.75rem 1rem;
    padding: 1rem 1.1rem;
  }

  li + li {
    border-top: 1px solid var(--_border);
  }

  .info {
    grid-area: info;
    min-width: 0;
  }

  h2 {
    margin: 0;
    font-size: 1.05rem;
  }

  .unit,
  .availability {
    margin: 0.15rem 0 0;
    color: var(--_muted);
    font-size: 0.95rem;
  }

  .availability.warning {
    color: var(--_warning);
    font-weight: 700;
  }

  .limit,
  .sale-note {
    margin: 0.15rem 0 0;
    font-size: 0.9rem;
  }

  .limit {
    color: var(--_warning);
    font-weight: 700;
  }

  .sale-note {
    color: var(--_muted);
  }

  .sale-note.warning {
    color: var(--_accent-strong);
    font-weight: 600;
  }

  .email {
    flex: 1 1 16rem;
    max-width: 28rem;
    margin-inline-end: auto;
  }

  .email input {
    padding-inline: 0.7rem;
    text-align: start;
  }

  .quantity {
    grid-area: quantity;
    display: flex;
    align-items: center;
    gap: 0.35rem;
  }

  .quantity button {
    width: 44px;
    padding: 0;
    font-size: 1.2rem;
    line-height: 1;
  }

  input {
    width: 4.5rem;
    min-height: 44px;
    padding: 0.4rem;
    border: 2px solid var(--_border);
    border-radius: 8px;
    font: inherit;
    text-align: center;
  }

  .total {
    grid-area: total;
    margin: 0;
    font-weight: 700;
    text-align: end;
    font-variant-numeric: tabular-nums;
  }

  .remove {
    grid-area: remove;
  }

  .summary {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: flex-end;
    gap: 1rem 1.5rem;
    margin-top: 1rem;
    padding: 1rem 1.1rem;
    border-radius: var(--_radius);
    background: var(--_surface);
    border: 1px solid var(--_border);
  }

  .subtotal {
    margin: 0;
    font-size: 1.2rem;
  }

  .subtotal strong {
    font-variant-numeric: tabular-nums;
  }

  .checkout {
    min-width: 12rem;
  }

  @media (max-width: 640px) {
    li {
      grid-template-columns: minmax(0, 1fr) auto;
      grid-template-areas:
        'info info'
        'quantity total'
        'remove remove';
    }

    .remove {
      justify-self: start;
    }

    .summary {
      justify-content: space-between;
    }

    .email {
      max-width: none;
    }

    .checkout {
      flex: 1 1 100%;
    }
  }
`;
