import { css } from 'lit';

export const storeAppStyles = css`
  :host {
    display: block;
    min-height: 100vh;
  }

  .skip {
    position: absolute;
    inset-inline-start: 0.5rem;
    top: -4rem;
    z-index: 2;
  }

  .skip:focus {
    top: 0.5rem;
  }

  header {
    background: var(--_text);
    color: #fff;
  }

  .bar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: space-between;
    gap: 0.5rem 1rem;
    max-width: 1120px;
    margin: 0 auto;
    padding: 0.75rem clamp(1rem, 3vw, 2rem);
  }

  .brand {
    display: flex;
    align-items: center;
    gap: 0.5rem;
    color: #fff;
    font-size: 1.25rem;
    font-weight: 800;
    text-decoration: none;
    letter-spacing: -0.01em;
  }

  .bolt {
    display: inline-grid;
    place-items: center;
    width: 2rem;
    height: 2rem;
    border-radius: 8px;
    background: var(--_accent);
  }

  nav {
    display: flex;
    align-items: center;
    gap: 0.25rem 1rem;
  }

  nav a {
    display: inline-flex;
    align-items: center;
    gap: 0.4rem;
    min-height: 44px;
    padding: 0 0.5rem;
    color: #fff;
    font-weight: 600;
    text-decoration: none;
    border-bottom: 3px solid transparent;
  }

  nav a[aria-current='page'] {
    border-bottom-color: #ff8a9b;
  }

  .count {
    min-width: 1.6rem;
    padding: 0.1rem 0.45rem;
    border-radius: 999px;
    background: #fff;
    color: var(--_text);
    font-size: 0.85rem;
    text-align: center;
  }

  :is(a, button):focus-visible {
    outline: 3px solid #8fb4ff;
    outline-offset: 2px;
  }

  main {
    max-width: 1120px;
    margin: 0 auto;
    padding: 1.25rem clamp(1rem, 3vw, 2rem) 3rem;
  }

  main:focus {
    outline: none;
  }
`;
