import { css } from 'lit';

export const productCardStyles = css`
  :host {
    display: block;
    height: 100%;
  }

  article {
    display: flex;
    flex-direction: column;
    gap: 0.45rem;
    height: 100%;
    padding-bottom: 1.1rem;
    overflow: hidden;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    box-shadow: 0 1px 2px rgb(0 0 0 / 6%);
  }

  article > :not(.media) {
    margin-inline: 1.1rem;
  }

  /* The picture comes first on screen; the name comes first for screen readers. */
  .media {
    position: relative;
    order: -1;
    display: grid;
    place-items: center;
    aspect-ratio: 4 / 3;
    margin-bottom: 0.4rem;
    background: linear-gradient(160deg, #f1f1f5, #e4e4ea);
    color: #9a9aa5;
  }

  .media img {
    display: block;
    width: 100%;
    height: 100%;
    object-fit: cover;
    /* No alt text drawn over the frame while a picture is loading or failing. */
    color: transparent;
  }

  .placeholder {
    width: 28%;
    height: auto;
  }

  .badges {
    position: absolute;
    top: 0.75rem;
    inset-inline: 0.75rem;
    display: flex;
    flex-wrap: wrap;
    gap: 0.4rem;
  }

  .badge {
    padding: 0.25rem 0.65rem;
    border-radius: 999px;
    background: var(--_text);
    color: #fff;
    font-size: 0.78rem;
    font-weight: 700;
    letter-spacing: 0.03em;
    line-height: 1.3;
    text-transform: uppercase;
    box-shadow: 0 1px 3px rgb(0 0 0 / 18%);
  }

  .badge.drop,
  .badge.discount {
    background: var(--_accent);
  }

  .badge.live {
    background: var(--_success);
  }

  .badge.discount {
    margin-inline-start: auto;
  }

  h2 {
    margin-block: 0;
    font-size: 1.1rem;
    line-height: 1.3;
  }

  .description {
    margin-block: 0;
    color: var(--_muted);
    font-size: 0.95rem;
  }

  .prices {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    gap: 0.1rem 0.6rem;
    margin-top: 0.25rem;
  }

  .prices p {
    margin: 0;
  }

  .price {
    font-size: 1.45rem;
    font-weight: 800;
    letter-spacing: -0.01em;
    font-variant-numeric: tabular-nums;
  }

  .reduced .price {
    color: var(--_accent);
  }

  .was {
    color: var(--_muted);
    font-size: 1rem;
  }

  .saving {
    margin-block: -0.2rem 0;
    color: var(--_success);
    font-size: 0.9rem;
    font-weight: 700;
  }

  .meta {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 0.35rem 0.75rem;
  }

  .meta p {
    margin: 0;
  }

  .stock {
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

  .limit {
    padding: 0.15rem 0.55rem;
    border: 1px solid #e3c48f;
    border-radius: 6px;
    background: #fff7e6;
    color: var(--_warning);
    font-size: 0.85rem;
    font-weight: 700;
  }

  .window {
    margin-block: 0.15rem 0;
  }

  .window p {
    margin: 0;
  }

  time {
    font-variant-numeric: tabular-nums;
  }

  .window.upcoming {
    padding: 0.65rem 0.85rem;
    border-radius: 10px;
    background: var(--_text);
    color: #fff;
  }

  .upcoming .countdown {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    justify-content: space-between;
    gap: 0 0.75rem;
    font-weight: 600;
  }

  .upcoming .countdown time {
    font-size: 1.6rem;
    font-weight: 800;
    letter-spacing: 0.01em;
  }

  .upcoming .when {
    color: #d4d4dc;
    font-size: 0.9rem;
  }

  .window.ended {
    padding: 0.55rem 0.85rem;
    border-radius: 10px;
    background: #f0f0f4;
    color: var(--_muted);
    font-size: 0.95rem;
  }

  .window.ends {
    color: var(--_accent-strong);
    font-size: 0.95rem;
    font-weight: 600;
  }

  .email {
    margin-top: 0.15rem;
  }

  .email label {
    font-size: 0.95rem;
  }

  .email input {
    min-height: 44px;
    padding: 0.45rem 0.7rem;
    border: 2px solid #8a8a96;
    border-radius: 8px;
    background: var(--_surface);
    color: var(--_text);
    font: inherit;
  }

  .actions {
    display: grid;
    grid-template-columns: 1fr 1fr;
    gap: 0.5rem;
    margin-top: auto;
    padding-top: 0.35rem;
  }

  .actions button {
    padding-inline: 0.5rem;
    white-space: nowrap;
  }

  .note {
    margin: 0;
    color: var(--_text);
    font-size: 0.9rem;
  }

  article.sold-out .price,
  article.phase-ended .price {
    color: var(--_muted);
  }

  article.sold-out .media > :is(img, svg),
  article.phase-ended .media > :is(img, svg) {
    opacity: 0.55;
  }
`;
