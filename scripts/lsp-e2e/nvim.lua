-- `kmslint server` end to end in Neovim's built-in LSP client (Neovim 0.7 and later).
--
--   KMSLINT=target/debug/kmslint nvim --headless --clean -S scripts/lsp-e2e/nvim.lua
--
-- Writes a template whose key has no DeletionPolicy (KMS105, with a safe fix) into a temporary
-- directory, opens it, starts `KMSLINT server` on the buffer and checks:
--   * a KMS105 diagnostic arrives, on the key's logical ID (line 2, column 3, 1-based);
--   * `textDocument/codeAction` offers a quickfix for it, whose WorkspaceEdit Neovim applies;
--   * the buffer then has `DeletionPolicy: Retain`, and after the didChange Neovim sends, the
--     KMS105 diagnostic is gone.
-- Quits with status 0 when all of this holds; prints what went wrong and quits with 1 otherwise.
-- Debian bookworm ships Neovim 0.7.2, which has no vim.lsp.start (0.8): the script falls back to
-- vim.lsp.start_client and vim.lsp.buf_attach_client there.

local TIMEOUT_MS = 20000
local CODE = 'KMS105'
local TEMPLATE = {
  'Resources:',
  '  Key:',
  '    Type: AWS::KMS::Key',
  '    Properties:',
  '      EnableKeyRotation: true',
  '      KeyPolicy:',
  "        Version: '2012-10-17'",
  '        Statement:',
  '          - Effect: Allow',
  "            Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}",
  "            Action: 'kms:*'",
  "            Resource: '*'",
}
-- 0-based, as vim.diagnostic has them: the logical ID `Key` on line 2.
local EXPECT_LNUM, EXPECT_COL, EXPECT_END_COL = 1, 2, 5

local function say(msg)
  io.stdout:write('nvim: ' .. msg .. '\n')
end

local function fail(msg)
  error({ e2e = msg }, 0)
end

local function kms105(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if tostring(d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)) == CODE then
      table.insert(found, d)
    end
  end
  return found
end

-- The LSP diagnostic behind a vim.diagnostic one: Neovim 0.10 and later keep all of it in
-- user_data.lsp; 0.7 to 0.9 keep only some fields, so rebuild the range from the byte columns
-- (the same as UTF-16 ones on this ASCII line).
local function lsp_diagnostic(d)
  local kept = d.user_data and d.user_data.lsp or {}
  if kept.range then
    return kept
  end
  return {
    range = {
      start = { line = d.lnum, character = d.col },
      ['end'] = { line = d.end_lnum or d.lnum, character = d.end_col or d.col },
    },
    severity = d.severity,
    message = d.message,
    source = d.source,
    code = d.code or kept.code,
    codeDescription = kept.codeDescription,
    tags = kept.tags,
    relatedInformation = kept.relatedInformation,
    data = kept.data,
  }
end

local function main()
  local kmslint = os.getenv('KMSLINT')
  if not kmslint or kmslint == '' then
    fail('set KMSLINT to the kmslint binary')
  end
  if vim.fn.executable(kmslint) ~= 1 then
    fail('not executable: ' .. kmslint)
  end
  kmslint = vim.fn.fnamemodify(vim.fn.exepath(kmslint), ':p')
  say('Neovim ' .. tostring(vim.version().major) .. '.' .. tostring(vim.version().minor) .. '.'
    .. tostring(vim.version().patch) .. ', server ' .. kmslint .. ' server')

  local dir = vim.fn.tempname()
  vim.fn.mkdir(dir, 'p')
  local path = dir .. '/template.yaml'
  vim.fn.writefile(TEMPLATE, path)
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  local bufnr = vim.api.nvim_get_current_buf()
  vim.bo[bufnr].filetype = 'yaml'

  local exit_code
  local config = {
    name = 'kmslint',
    cmd = { kmslint, 'server' },
    root_dir = dir,
    on_exit = function(code)
      exit_code = code
    end,
  }
  local client_id
  if vim.lsp.start then
    client_id = vim.lsp.start(config, { bufnr = bufnr })
  else
    client_id = vim.lsp.start_client(config)
    if client_id then
      vim.lsp.buf_attach_client(bufnr, client_id)
    end
  end
  if not client_id then
    fail('the client did not start')
  end

  local function wait(what, pred)
    local ok = vim.wait(TIMEOUT_MS, function()
      return pred() or exit_code ~= nil
    end, 20)
    if exit_code ~= nil then
      fail('the server exited with status ' .. tostring(exit_code) .. ' while waiting for ' .. what
        .. ' (see ' .. vim.lsp.get_log_path() .. ')')
    end
    if not ok then
      fail('timed out after ' .. TIMEOUT_MS .. ' ms waiting for ' .. what .. '; diagnostics: '
        .. vim.inspect(vim.diagnostic.get(bufnr)))
    end
  end

  wait('a ' .. CODE .. ' diagnostic', function()
    return #kms105(bufnr) > 0
  end)
  local d = kms105(bufnr)[1]
  if d.lnum ~= EXPECT_LNUM or d.col ~= EXPECT_COL or (d.end_col and d.end_col ~= EXPECT_END_COL) then
    fail(string.format('%s at %d:%d-%s, expected %d:%d-%d (0-based)', CODE, d.lnum, d.col,
      tostring(d.end_col), EXPECT_LNUM, EXPECT_COL, EXPECT_END_COL))
  end
  say(string.format('%s at line %d, column %d', CODE, d.lnum + 1, d.col + 1))

  local client = vim.lsp.get_client_by_id(client_id)
  local encoding = client.offset_encoding or 'utf-16'
  local diagnostic = lsp_diagnostic(d)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = diagnostic.range,
    context = { diagnostics = { diagnostic }, only = { 'quickfix' } },
  }
  local responses, err = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, TIMEOUT_MS)
  if not responses then
    fail('textDocument/codeAction: ' .. tostring(err))
  end
  local response = responses[client_id] or {}
  if response.error then
    fail('textDocument/codeAction: ' .. vim.inspect(response.error))
  end
  local action
  for _, a in ipairs(response.result or {}) do
    if type(a.command) ~= 'string' and (a.kind == nil or vim.startswith(a.kind, 'quickfix')) then
      action = a
      if a.edit then
        break
      end
    end
  end
  if not action then
    fail('no quickfix code action for ' .. CODE .. '; got ' .. vim.inspect(response.result))
  end
  if not action.edit then
    local resolved = vim.lsp.buf_request_sync(bufnr, 'codeAction/resolve', action, TIMEOUT_MS)
    local r = resolved and resolved[client_id]
    action = r and r.result or action
  end
  if not action.edit then
    fail('the quickfix ' .. vim.inspect(action.title) .. ' has no edit, even resolved')
  end
  vim.lsp.util.apply_workspace_edit(action.edit, encoding)
  local text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), '\n')
  if not text:find('DeletionPolicy: Retain', 1, true) then
    fail('after the quickfix ' .. vim.inspect(action.title) .. ' the buffer is:\n' .. text)
  end
  say('applied the quickfix ' .. vim.inspect(action.title))

  wait('the ' .. CODE .. ' diagnostic to go', function()
    return #kms105(bufnr) == 0
  end)
  say(CODE .. ' gone after the edit')

  vim.lsp.stop_client(client_id)
  vim.wait(5000, function()
    return exit_code ~= nil
  end, 20)
  if exit_code == nil then
    fail('the server did not exit after shutdown and exit')
  elseif exit_code ~= 0 then
    fail('the server exited with status ' .. tostring(exit_code) .. ' after shutdown and exit')
  end
  vim.fn.delete(dir, 'rf')
end

local ok, err = pcall(main)
if ok then
  say('OK')
  vim.cmd('qall!')
else
  local msg = type(err) == 'table' and err.e2e or ('error: ' .. tostring(err))
  io.stderr:write('nvim: FAIL: ' .. msg .. '\n')
  vim.cmd('cquit 1')
end
