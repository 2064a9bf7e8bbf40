// Is there any Vulkan driver for Dawn to find (Linux)? Without one, Dawn's
// Vulkan backend writes the loader's complaints and a native frame
// (`at CheckVkSuccessImpl (…VulkanError.cpp)`) straight to the process's
// stderr, where JavaScript cannot filter them. Looking for the driver
// manifests first, where the Vulkan loader looks, lets a machine without a
// driver get cellc's one sentence and nothing else. A manifest that exists
// but whose driver fails still goes to Dawn, which then speaks for itself.

type Env = Readonly<Record<string, string | undefined>>;

/** The folders the Vulkan loader searches for driver manifests (vulkan/icd.d under the XDG and system folders). */
function manifestFolders(env: Env, home: string): string[] {
  const list = (v: string | undefined, dflt: string) => (v && v.trim() ? v : dflt).split(':').filter(Boolean);
  const bases = [
    env.XDG_CONFIG_HOME || `${home}/.config`,
    ...list(env.XDG_CONFIG_DIRS, '/etc/xdg'),
    '/usr/local/etc',
    '/etc',
    env.XDG_DATA_HOME || `${home}/.local/share`,
    ...list(env.XDG_DATA_DIRS, '/usr/local/share:/usr/share'),
  ];
  return bases.map((b) => `${b}/vulkan/icd.d`);
}

/** False only when no driver manifest exists where the loader would look (VK_DRIVER_FILES / VK_ICD_FILENAMES replace the search). */
export async function vulkanDriverMayExist(env: Env): Promise<boolean> {
  const [fsName, osName] = ['node:fs', 'node:os']; // variables, so bundlers for the browser leave them alone
  const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs');
  const os = (await import(/* @vite-ignore */ osName)) as typeof import('node:os');
  const listed = (env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES || '').split(':').filter(Boolean);
  const added = (env.VK_ADD_DRIVER_FILES || '').split(':').filter(Boolean);
  const exists = (p: string) => {
    try {
      return fs.statSync(p).isFile() || fs.readdirSync(p).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  };
  if ([...listed, ...added].some(exists)) return true;
  if (listed.length) return false;
  return manifestFolders(env, os.homedir()).some(exists);
}
