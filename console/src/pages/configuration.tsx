export function ConfigurationPage(_: { url: URL }) { return <h1>Configuration</h1>; }
