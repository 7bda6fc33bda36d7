import { PipelineList } from '../../components/pipeline-list';
import { PageTitle } from '../page-title';

export function PipelinesPage() {
  return (
    <>
      <PageTitle title="Pipelines">Pipelines</PageTitle>
      <PipelineList />
    </>
  );
}
