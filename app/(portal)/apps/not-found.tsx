import { AppNotFound } from '@/components/apps/app-not-found';

export default AppNotFound;
