import { css } from 'lit';

export const productCardStyles = css`
  :host {
    display: block;
    height: 100%;
  }

  article {
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
    height: 100%;
    padding: 1.1rem 1.1rem 1.2rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    box-shadow: 0 1px 2px rgb(0 0 0 / 6%);
  }

  .heading {
    display: flex;
    align-items: flex-start;
    justify-content: space-between;
    gap: 0.5rem;
  }

  h2 {
    margin: 0;
    font-size: 1.1rem;
    line-height: 1.3;
  }

  .badge {
    flex: none;
    padding: 0.2rem 0.6rem;
    border-radius: 999px;
    background: var(--_text);
    color: #fff;
    font-size: 0.8rem;
    font-weight: 700;
    letter-spacing: 0.02em;
    text-transform: uppercase;
  }

  .description {
    margin: 0;
    color: var(--_muted);
    font-size: 0.95rem;
  }

  .numbers {
    display: flex;
    align-items: baseline;
    justify-content: space-between;
    gap: 0.5rem;
    margin-top: auto;
    padding-top: 0.5rem;
  }

  .price {
    margin: 0;
    font-size: 1.35rem;
    font-weight: 700;
  }

  .stock {
    margin: 0;
    font-variant-numeric: tabular-nums;
    color: var(--_muted);
  }

  .stock.low {
    color: var(--_warning);
    font-weight: 700;
  }

  .stock.none {
    color: var(--_text);
    font-weight: 700;
  }

  .actions {
    display: grid;
    grid-template-columns: 1fr 1fr;
    gap: 0.5rem;
  }

  .actions button {
    padding-inline: 0.5rem;
    white-space: nowrap;
  }

  article.sold-out .price {
    color: var(--_muted);
  }
`;
