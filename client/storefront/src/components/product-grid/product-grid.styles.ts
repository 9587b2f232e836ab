import { css } from 'lit';

export const productGridStyles = css`
  :host {
    display: block;
  }

  .intro {
    display: flex;
    align-items: center;
    gap: 0.5rem;
    margin: 0 0 1rem;
    color: var(--_muted);
  }

  .dot {
    flex: none;
    width: 0.65rem;
    height: 0.65rem;
    border-radius: 50%;
    background: #9a9aa5;
  }

  .intro[data-feed='live'] .dot {
    background: #1f9d55;
    box-shadow: 0 0 0 3px rgb(31 157 85 / 20%);
  }

  .intro[data-feed='polling'] .dot {
    background: #c77c00;
  }

  ul {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(min(100%, 270px), 1fr));
    gap: 1rem;
    margin: 0;
    padding: 0;
    list-style: none;
  }

  .skeleton {
    height: 13rem;
    border-radius: var(--_radius);
    background: linear-gradient(90deg, #ececf1 25%, #f6f6f9 50%, #ececf1 75%);
    background-size: 200% 100%;
    animation: shimmer 1.2s ease-in-out infinite;
  }

  @keyframes shimmer {
    to {
      background-position: -200% 0;
    }
  }

  @media (prefers-reduced-motion: reduce) {
    .skeleton {
      animation: none;
    }
  }

  .status {
    position: sticky;
    top: 0.5rem;
    z-index: 1;
    box-shadow: 0 2px 8px rgb(0 0 0 / 8%);
  }
`;
