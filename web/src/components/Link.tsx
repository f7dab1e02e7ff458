import type { ComponentChildren } from 'preact';
import { onLinkClick } from '../lib/router';

export function Link(props: {
  href: string;
  children: ComponentChildren;
  class?: string;
  current?: boolean;
  'aria-label'?: string;
}) {
  return (
    <a
      href={props.href}
      class={props.class}
      aria-current={props.current ? 'page' : undefined}
      aria-label={props['aria-label']}
      onClick={(e) => onLinkClick(e as unknown as MouseEvent, props.href)}
    >
      {props.children}
    </a>
  );
}
